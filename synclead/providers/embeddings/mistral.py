"""`mistral-embed` through Mistral's SDK, for deployments that prefer Mistral's vectors to the offline model.

Each call is a network round trip (100 to 300 ms), so a question costs more than with the offline model; passages
go in batches to keep an ingest to a few requests.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from synclead.providers.embeddings import EmbeddingsUnavailableError, normalise

MODEL = "mistral-embed"
# Mistral caps a request's total tokens (16k at the time of writing), not only its number of inputs: a batch stops
# at whichever limit comes first. ~3.5 characters a token for French leaves a safe margin at 40 000 characters.
_MAX_BATCH = 64
_MAX_BATCH_CHARS = 40_000
_TIMEOUT_MS = 30_000


def batches(texts: Sequence[str], max_items: int = _MAX_BATCH, max_chars: int = _MAX_BATCH_CHARS) -> Iterator[range]:
    """Consecutive index ranges of `texts`, each within both limits (a single over-long text goes alone)."""
    start, chars = 0, 0
    for index, text in enumerate(texts):
        if index > start and (index - start >= max_items or chars + len(text) > max_chars):
            yield range(start, index)
            start, chars = index, 0
        chars += len(text)
    if start < len(texts):
        yield range(start, len(texts))


class MistralEmbedder:
    name = f"mistral/{MODEL}"
    dim = 1024

    def __init__(self, api_key: str, server_url: str = "https://api.mistral.ai", max_batch: int = _MAX_BATCH) -> None:
        if not api_key:
            raise EmbeddingsUnavailableError(
                "SYNCLEAD_EMBEDDINGS=mistral needs MISTRAL_API_KEY; unset SYNCLEAD_EMBEDDINGS for the offline model"
            )
        from mistralai.client import Mistral

        self._client = Mistral(api_key=api_key, server_url=server_url, timeout_ms=_TIMEOUT_MS)
        self._max_batch = max_batch

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text])[0]

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for batch in batches(texts, max_items=self._max_batch):
            out[batch.start : batch.stop] = self._embed([texts[i] for i in batch])
        return out

    def _embed(self, texts: list[str]) -> np.ndarray:
        response = self._client.embeddings.create(model=MODEL, inputs=texts)
        # The API says which input each vector belongs to; order by it rather than trust the list's order.
        rows = sorted(response.data, key=lambda item: item.index or 0)
        vectors = np.array([row.embedding for row in rows], dtype=np.float32)
        if vectors.shape != (len(texts), self.dim):
            raise EmbeddingsUnavailableError(
                f"{MODEL} returned {vectors.shape[0]} vectors of {vectors.shape[-1]} dimensions for {len(texts)} "
                f"texts; expected {self.dim} dimensions"
            )
        return normalise(vectors)
