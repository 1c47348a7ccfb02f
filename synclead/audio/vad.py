"""Voice activity: Silero VAD on onnxruntime alone, one model per process, one small state per call.

The model file is the one faster-whisper ships, so no extra download and no torch. It takes 16 kHz windows of
512 samples, each preceded by the last 64 samples of the window before, and carries an LSTM state (`h`, `c`)
from window to window; so the state, the context and the resampler belong to a call, the weights to everyone.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime

from synclead.audio.resample import StreamResampler
from synclead.engine.ports import SAMPLE_RATE, Pcm

MODEL_RATE = 16000
WINDOW = 512  # samples at 16 kHz: 32 ms
CONTEXT = 64
WINDOW_MS = WINDOW * 1000 // MODEL_RATE
_STATE_SHAPE = (1, 1, 128)
_ZERO_STATE = np.zeros(_STATE_SHAPE, dtype=np.float32)  # never written: onnxruntime returns new arrays

# μ-law's quietest non-zero level decodes to ±8; a window under this RMS is a carrier's digital silence or
# idle-channel flicker, where Silero would only confirm "no speech" at the cost of a model run.
DEFAULT_ENERGY_FLOOR = 10 / 32768


def default_model_path() -> Path:
    """`silero_vad_v6.onnx` inside the installed faster-whisper, found without importing it.

    Importing faster_whisper would load ctranslate2 (slow, large) into processes that only need the VAD.
    """
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Silero VAD model not found: install the 'faster-whisper' package, or pass model_path")
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "silero_vad_v6.onnx"
    if not path.is_file():
        raise RuntimeError(f"Silero VAD model missing from faster-whisper's assets: {path}")
    return path


class SileroModel:
    """The shared weights. `InferenceSession.run` is thread-safe, so every call's stream uses this one."""

    def __init__(self, path: Path) -> None:
        options = onnxruntime.SessionOptions()
        # A window is ~50 µs of work: thread hand-offs would cost more than they save, and 100+ concurrent
        # calls must not each spin up a thread pool.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.path = path
        self.session = onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        self.runs = 0  # model invocations, so tests and metrics can see the energy gate at work

    def __call__(
        self, window: npt.NDArray[np.float32], h: npt.NDArray[np.float32], c: npt.NDArray[np.float32]
    ) -> tuple[float, npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """One window of CONTEXT + WINDOW float samples, shape (1, 576); returns (probability, h, c)."""
        self.runs += 1
        probs, h, c = self.session.run(None, {"input": window, "h": h, "c": c})
        return float(probs.reshape(-1)[0]), h, c


_models: dict[Path, SileroModel] = {}
_models_lock = threading.Lock()


def get_model(path: Path | str | None = None) -> SileroModel:
    """The process-wide model for `path` (default: faster-whisper's), loaded on first use."""
    resolved = Path(path) if path is not None else default_model_path()
    model = _models.get(resolved)
    if model is None:
        with _models_lock:
            model = _models.get(resolved)
            if model is None:
                model = _models[resolved] = SileroModel(resolved)
    return model


class VadStream:
    """Speech probabilities for one call's inbound audio, fed 8 kHz frames as they arrive (`VoiceActivity`)."""

    window_ms = WINDOW_MS

    def __init__(
        self,
        model: SileroModel | None = None,
        energy_floor: float = DEFAULT_ENERGY_FLOOR,
        sample_rate: int = SAMPLE_RATE,
    ) -> None:
        self._model = model
        self.energy_floor = energy_floor
        self.sample_rate = sample_rate
        # "QQ": the filtered qualities release output in ~100 ms bursts, which would delay every decision.
        self._resampler = StreamResampler(sample_rate, MODEL_RATE, np.float32, quality="QQ")
        self._input = np.zeros((1, CONTEXT + WINDOW), dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._h = self._c = _ZERO_STATE
        self.windows = 0
        self.gated = 0

    @property
    def model(self) -> SileroModel:
        if self._model is None:
            self._model = get_model()
        return self._model

    def process(self, frame: Pcm) -> list[float]:
        """Feed one frame; returns a probability for each 32 ms window it completed (usually 0 or 1)."""
        samples = frame.astype(np.float32) * (1 / 32768)
        upsampled = self._resampler.process(samples)
        if self._pending.size:
            upsampled = np.concatenate((self._pending, upsampled))
        probabilities: list[float] = []
        start = 0
        while upsampled.size - start >= WINDOW:
            probabilities.append(self._window(upsampled[start : start + WINDOW]))
            start += WINDOW
        self._pending = upsampled[start:].copy()
        return probabilities

    def _window(self, window: npt.NDArray[np.float32]) -> float:
        buffer = self._input
        self.windows += 1
        # Plain mean of squares: cheaper than np.std and the signal has no DC worth removing.
        gated = float(np.dot(window, window)) < self.energy_floor * self.energy_floor * WINDOW
        if gated:
            self.gated += 1
            probability = 0.0
            # Forget the speech before the silence: Silero run on those zeros would have let its state decay,
            # and a stale "speaking" state makes the first noise after it look like speech (0.3 vs 0.03).
            self._h = self._c = _ZERO_STATE
        else:
            buffer[0, CONTEXT:] = window
            probability, self._h, self._c = self.model(buffer, self._h, self._c)
        # The next window's context is this one's tail, whether or not the model saw it.
        buffer[0, :CONTEXT] = window[-CONTEXT:]
        return probability

    def reset(self) -> None:
        """Forget everything heard: a new call, or the stream resumes after a gap."""
        self._resampler.reset()
        self._input.fill(0.0)
        self._pending = np.zeros(0, dtype=np.float32)
        self._h = self._c = _ZERO_STATE
        self.windows = self.gated = 0
