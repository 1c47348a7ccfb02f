"""Whisper speech to text with faster-whisper (CTranslate2), offline by default.

One model per process, shared by every call, run on its own worker threads: a transcription takes hundreds of
milliseconds of CPU, which the event loop carrying every call's audio must never wait for.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from synclead.audio.resample import resample
from synclead.engine.ports import SAMPLE_RATE, Pcm, SpeechToText, Transcript
from synclead.providers.models import resolve_whisper_model

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

    from synclead.config import Settings

WHISPER_RATE = 16000
# Measured on Piper speech through μ-law with 15 dB of line noise (20 caller sentences, Whisper base): greedy
# decoding 10.0 % WER, beam 2 and beam 5 both 7.2 %. Beam 2 keeps the gain for less CPU than 5, and CPU is
# what concurrent calls queue for (beam 5 cost ~+6-13 % per turn, beam 2 about half of that).
DEFAULT_BEAM_SIZE = 2

# Whisper reads at most 223 prompt tokens and keeps the last ones; a French place name costs about three tokens, a
# character about a third of one: this leaves room for the rest of the prompt.
PROMPT_CHARS = 480
# faster-whisper's own threshold for a decode stuck in a loop (text that zips too well).
LOOPING_COMPRESSION = 2.4

_models: dict[tuple[str, int, int], WhisperModel] = {}
_models_lock = threading.Lock()


def load_model(path: str, cpu_threads: int, workers: int = 1) -> WhisperModel:
    """The process-wide model for `path` (loading takes ~0.5 s and ~150 MB; do it once)."""
    key = (path, cpu_threads, workers)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            # Imported here: ctranslate2 is large, and processes that never transcribe should not load it.
            from faster_whisper import WhisperModel

            model = WhisperModel(
                path,
                device="cpu",
                # int8: the same WER as float32 on noisy phone audio, ~25-40 % faster on CPU, half the memory.
                compute_type="int8",
                cpu_threads=cpu_threads,
                num_workers=workers,
            )
            _models[key] = model
    return model


def vocabulary_prompt(terms: Sequence[str], max_chars: int = PROMPT_CHARS) -> str:
    """Names as Whisper reads them best: a plain comma-separated list, the most useful first, within its budget."""
    prompt = ""
    for term in terms:
        candidate = f"{prompt}, {term}" if prompt else term
        if len(candidate) > max_chars:
            break
        prompt = candidate
    return f"{prompt}." if prompt else ""


class WhisperSTT:
    """`SpeechToText` for one caller turn at a time (the engine has already cut the turn out with its VAD)."""

    def __init__(
        self,
        model: str = "base",
        models_dir: Path | None = None,
        cpu_threads: int = 2,
        workers: int = 1,
        beam_size: int = DEFAULT_BEAM_SIZE,
        vocabulary: str | None = None,
    ) -> None:
        """`vocabulary`: words the business expects to hear (its name, streets, towns, products), given to
        Whisper as a prompt so that it spells them as the business does."""
        if models_dir is None:
            from synclead.config import get_settings

            models_dir = get_settings().models_dir
        self.model_path = resolve_whisper_model(model, models_dir)
        self.cpu_threads = cpu_threads
        self.workers = workers
        self.beam_size = beam_size
        self.vocabulary = vocabulary
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="whisper")

    @classmethod
    def from_settings(
        cls, settings: Settings, beam_size: int = DEFAULT_BEAM_SIZE, vocabulary: str | None = None
    ) -> WhisperSTT:
        return cls(
            settings.stt_model,
            settings.models_dir,
            cpu_threads=settings.stt_threads,
            beam_size=beam_size,
            vocabulary=vocabulary,
        )

    def with_vocabulary(self, terms: Sequence[str]) -> SpeechToText:
        """This recogniser for one call, prompted with the organization's names (`knowledge/vocabulary.py`)."""
        prompt = vocabulary_prompt(terms)
        return _Prompted(self, prompt) if prompt else self

    @property
    def model(self) -> WhisperModel:
        return load_model(self.model_path, self.cpu_threads, self.workers)

    def warm_up(self) -> None:
        """Load the model and decode once now, so that the first caller's turn does not pay for it."""
        self.transcribe_sync(np.zeros(SAMPLE_RATE // 2, dtype=np.int16), "en")

    def transcribe_sync(self, audio: Pcm, language: str, vocabulary: str | None = None) -> Transcript:
        """Blocking transcription of 8 kHz PCM; `transcribe` runs this on the worker threads."""
        language = language.split("-")[0].lower()  # Whisper knows "fr", not "fr-FR"
        if audio.size == 0:
            return Transcript(text="", language=language)
        samples = resample(audio.astype(np.float32) * (1 / 32768), SAMPLE_RATE, WHISPER_RATE)
        prompt = vocabulary if vocabulary is not None else self.vocabulary
        transcript, astray = self._decode(samples, language, prompt)
        if prompt and astray:
            # A prompt can pull Whisper into repeating its names ("Boulogne-Boulogne-…") or reciting them over a
            # word it did not catch: this turn is decoded again without it.
            transcript, _ = self._decode(samples, language, "")
        return transcript

    def _decode(self, samples: np.ndarray, language: str, prompt: str | None) -> tuple[Transcript, bool]:
        segments, info = self.model.transcribe(
            samples,
            language=language,
            beam_size=self.beam_size,
            # One fixed decode: temperature fallback re-decodes on doubt (slow) and then tends to invent.
            temperature=0.0,
            # Every turn stands alone; carrying text over is how Whisper gets stuck repeating itself.
            condition_on_previous_text=False,
            vad_filter=False,
            without_timestamps=True,
            initial_prompt=prompt or None,
        )
        texts: list[str] = []
        logprob_sum = 0.0
        tokens = 0
        looping = False
        for segment in segments:  # a generator: decoding happens as it is consumed
            texts.append(segment.text.strip())
            weight = max(len(segment.tokens), 1)
            logprob_sum += segment.avg_logprob * weight
            tokens += weight
            looping = looping or segment.compression_ratio > LOOPING_COMPRESSION
        text = " ".join(part for part in texts if part)
        transcript = Transcript(text=text, language=info.language, confidence=logprob_sum / tokens if tokens else 0.0)
        return transcript, bool(prompt) and (looping or _repeats_itself(text))

    async def transcribe(self, audio: Pcm, language: str, vocabulary: str | None = None) -> Transcript:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.transcribe_sync, audio, language, vocabulary)


def _repeats_itself(text: str) -> bool:
    """Three words said twice in one turn: how a prompt-led loop starts before it is long enough to compress."""
    words = re.findall(r"\w+", text.lower())
    seen: set[tuple[str, ...]] = set()
    for index in range(len(words) - 2):
        trigram = tuple(words[index : index + 3])
        if trigram in seen:
            return True
        seen.add(trigram)
    return False


class _Prompted:
    """`SpeechToText` for one call: the shared model and threads, with the call's organization's names."""

    def __init__(self, whisper: WhisperSTT, vocabulary: str) -> None:
        self.whisper = whisper
        self.vocabulary = vocabulary

    async def transcribe(self, audio: Pcm, language: str) -> Transcript:
        return await self.whisper.transcribe(audio, language, vocabulary=self.vocabulary)
