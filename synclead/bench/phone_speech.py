"""Speech through a phone line, measured: a voice speaks, the audio crosses 8 kHz μ-law, Whisper transcribes.

Shared by the French voice benchmark (`french_voice.py`) and the local names benchmark (`local_names.py`). Numbers
are compared as words in both the reference and the transcript ("75009" and "soixante-quinze mille neuf" are the
same words), so a voice is not blamed for Whisper's choice of digits.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from synclead.audio import mulaw
from synclead.engine.ports import SAMPLE_RATE, Pcm, TextToSpeech

# "1 390", "1.390" (thousands), "3,5" (a decimal comma), "75009".
_NUMBER = re.compile(r"\d{1,3}(?:[ .\u202f\u00a0]\d{3})+(?!\d)|\d+(?:,\d+)?")
_NOT_WORD = re.compile(r"[^\w\s]")


def phone_line(audio: Pcm) -> Pcm:
    """What reaches the recogniser: the audio encoded to μ-law and decoded again, as a Twilio call carries it."""
    return mulaw.decode(mulaw.encode(audio))


def normalise(text: str, language: str) -> str:
    """Lower case, numbers as words, no punctuation or hyphens: what word error rate should compare."""
    try:
        from num2words import num2words
    except ModuleNotFoundError:  # pragma: no cover - a dev dependency
        raise RuntimeError("the benchmark needs the 'num2words' package (uv sync --group dev)") from None

    def spell(match: re.Match[str]) -> str:
        number = re.sub(r"[ .\u202f\u00a0]", "", match.group())
        return num2words(float(number.replace(",", ".")) if "," in number else int(number), lang=language)

    # "06 12 34 56 78" and "75009" spelt out; "9e" and "9h" lose their letters first.
    text = re.sub(r"(\d)\s*(?:e|er|ème|h)\b", r"\1", text, flags=re.IGNORECASE)
    text = _NUMBER.sub(spell, text.replace("\u2019", "'"))
    text = unicodedata.normalize("NFC", text.lower()).replace("-", " ").replace("'", " ")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def word_error_rate(reference: str, hypothesis: str, language: str) -> float:
    import jiwer

    return jiwer.wer(normalise(reference, language), normalise(hypothesis, language) or "∅")


@dataclass(frozen=True, slots=True)
class Heard:
    text: str
    heard: str
    wer: float


async def speak(tts: TextToSpeech, text: str, language: str) -> Pcm:
    parts = [part async for part in tts.synthesize(text, language)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)


def hear(
    tts: TextToSpeech, whisper: object, sentences: Sequence[str], language: str, vocabulary: str = ""
) -> list[Heard]:
    """Each sentence spoken by `tts`, through the phone line, transcribed by `whisper` (a `WhisperSTT`)."""
    results = []
    for text in sentences:
        audio = phone_line(asyncio.run(speak(tts, text, language)))
        heard = whisper.transcribe_sync(audio, language, vocabulary=vocabulary).text  # type: ignore[attr-defined]
        results.append(Heard(text, heard, word_error_rate(text, heard, language)))
    return results


@dataclass(frozen=True, slots=True)
class Timing:
    first_audio_ms: list[float]
    audio_s: float
    wall_s: float
    cpu_s: float

    @property
    def rtf(self) -> float:
        """Wall time per second of speech."""
        return self.wall_s / self.audio_s

    @property
    def cpu_per_audio(self) -> float:
        """CPU seconds (all threads of this process) per second of speech."""
        return self.cpu_s / self.audio_s


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


async def _time_one(tts: TextToSpeech, text: str, language: str) -> tuple[float, int]:
    started = time.perf_counter()
    first: float | None = None
    samples = 0
    async for part in tts.synthesize(text, language):
        if first is None:
            first = time.perf_counter() - started
        samples += len(part)
    return (first or 0.0) * 1000, samples


def time_voice(tts: TextToSpeech, sentences: Sequence[str], language: str, repeats: int = 1) -> Timing:
    """Time to first audio of each sentence (as the engine asks for it: one sentence at a time), and the cost."""
    firsts: list[float] = []
    samples = 0
    wall = time.perf_counter()
    cpu = time.process_time()
    for _ in range(repeats):
        for text in sentences:
            first_ms, count = asyncio.run(_time_one(tts, text, language))
            firsts.append(first_ms)
            samples += count
    return Timing(firsts, samples / SAMPLE_RATE, time.perf_counter() - wall, time.process_time() - cpu)
