"""Piper: the offline English voice (en_US "joe", a VITS model run by onnxruntime).

Piper cuts its input into sentences itself (with espeak-ng's clause detection) and renders one at a time, so
the first sentence can be on the line while the next is being computed.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnxruntime

from synclead.audio.resample import resample
from synclead.engine.ports import SAMPLE_RATE, Pcm
from synclead.providers.models import piper_voice_paths

try:
    from piper.config import PiperConfig, SynthesisConfig
    from piper.voice import AudioChunk, PiperVoice
except ModuleNotFoundError:  # pragma: no cover - depends on the installation
    raise RuntimeError("the Piper voice needs the 'piper-tts' package: pip install piper-tts") from None

# Piper normalises each sentence to full scale; resampling can overshoot that peak and μ-law clips at
# ~-0.2 dBFS, so leave headroom.
_VOLUME = 0.8

_voices: dict[tuple[Path, int], PiperVoice] = {}
_voices_lock = threading.Lock()


def load_voice(model: Path, config: Path, threads: int = 1) -> PiperVoice:
    """The process-wide voice for `model` (63 MB of weights: load once, share between calls)."""
    key = (model, threads)
    with _voices_lock:
        voice = _voices.get(key)
        if voice is None:
            options = onnxruntime.SessionOptions()
            # PiperVoice.load would let onnxruntime take every core for each sentence; with many calls
            # speaking at once, sentences in parallel on one thread each beat one sentence on all of them.
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
            with open(config, encoding="utf-8") as file:
                voice = PiperVoice(session=session, config=PiperConfig.from_dict(json.load(file)))
            _voices[key] = voice
    return voice


class PiperTTS:
    """`TextToSpeech` with Piper. English only: routing other languages elsewhere is `LanguageVoices`' job."""

    def __init__(
        self,
        model: Path | None = None,
        config: Path | None = None,
        threads: int = 1,
        workers: int = 2,
        length_scale: float | None = None,
        noise_scale: float | None = None,
        noise_w_scale: float | None = None,
    ) -> None:
        """`length_scale` > 1 speaks slower. The noise scales (the voice's own when None) vary the voice from
        one rendering to the next; 0 makes the same text give the same samples every time."""
        if model is None or config is None:
            default_model, default_config = piper_voice_paths()
            model, config = model or default_model, config or default_config
        self.model, self.config, self.threads = model, config, threads
        self._syn_config = SynthesisConfig(
            volume=_VOLUME, length_scale=length_scale, noise_scale=noise_scale, noise_w_scale=noise_w_scale
        )
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="piper")

    @property
    def voice(self) -> PiperVoice:
        return load_voice(self.model, self.config, self.threads)

    def _to_pcm(self, chunk: AudioChunk) -> Pcm:
        audio = resample(chunk.audio_float_array.astype(np.float32, copy=False), chunk.sample_rate, SAMPLE_RATE)
        return np.clip(np.rint(audio * 32767), -32768, 32767).astype(np.int16)

    def sentences(self, text: str) -> Iterator[Pcm]:
        """Synchronous: 8 kHz audio one sentence at a time. Blocks; iterate it from a worker thread."""
        for chunk in self.voice.synthesize(text, syn_config=self._syn_config):
            yield self._to_pcm(chunk)

    def warm_up(self) -> None:
        """Load the weights and run them once, so the first caller does not pay for either (~0.3 s)."""
        for _ in self.sentences("Hello."):
            pass

    async def synthesize(self, text: str, language: str = "en") -> AsyncIterator[Pcm]:
        if not text.strip():
            return
        loop = asyncio.get_running_loop()
        sentences = self.sentences(text)
        # Barge-in can close this generator while a worker is inside `sentences`; the lock makes the
        # clean-up wait for that step instead of failing with "generator already executing".
        busy = threading.Lock()

        def step() -> Pcm | None:
            with busy:
                return next(sentences, None)

        def close() -> None:
            with busy:
                sentences.close()

        try:
            # One sentence per hop to the worker: the event loop yields each as soon as it exists.
            while (audio := await loop.run_in_executor(self._executor, step)) is not None:
                if audio.size:
                    yield audio
        finally:
            self._executor.submit(close)
