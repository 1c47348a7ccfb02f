"""espeak-ng through ctypes: the offline voice for French, and the fallback for any other language.

Formant synthesis sounds robotic but costs ~10 ms a sentence and knows ~100 languages. The library and its data
come from the `espeakng-loader` wheel, so nothing is needed from the system. libespeak-ng keeps its voice,
parameters and output callback in globals, so one engine serves the process, one synthesis at a time.
"""

from __future__ import annotations

import asyncio
import ctypes
import re
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from synclead.audio.resample import resample
from synclead.engine.ports import SAMPLE_RATE, Pcm

# From espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2  # espeak_Synth runs in the caller's thread and returns when done
_INITIALIZE_DONT_EXIT = 0x8000  # without it a missing data file calls exit() on the whole server
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAM_RATE = 1
_EE_OK = 0

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

# Which espeak voice speaks a language; other codes go to espeak as they are ("de", "es", ...).
VOICE_FOR_LANGUAGE = {"en": "en-us", "fr": "fr"}
_FALLBACK_VOICE = "en-us"

# A sentence runs to . ! ? or … (with any closing quotes) followed by a space, or to the end of its line.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…]+(?:\s*[\"»”')\]])*(?=\s|$)|$)")
# Abbreviations and initials end in a period without ending the sentence ("M. Dupont", "Dr. Smith").
_ABBREVIATION = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Mme|Mlle|Me|Pr|etc|vs)|\b[A-Z])\.$")


def split_sentences(text: str) -> list[str]:
    """Cut text into sentences to synthesise one at a time, so the first can play while the next renders."""
    sentences: list[str] = []
    for line in text.splitlines():
        carry = ""
        for match in _SENTENCE.finditer(line):
            sentence = f"{carry} {match.group()}" if carry else match.group()
            carry = ""
            if _ABBREVIATION.search(sentence):
                carry = sentence
            else:
                sentences.append(sentence.strip())
        if carry:
            sentences.append(carry.strip())
    return [sentence for sentence in sentences if sentence]


class _Engine:
    """The process's one libespeak-ng instance."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ModuleNotFoundError:
            raise RuntimeError(
                "espeak voice needs the 'espeakng-loader' package: pip install espeakng-loader"
            ) from None
        self._lib = lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        lib.espeak_Synth.restype = ctypes.c_int

        data_path = espeakng_loader.get_data_path().encode()
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, _INITIALIZE_DONT_EXIT)
        if rate <= 0:
            raise RuntimeError(f"espeak-ng failed to initialise with data at {data_path.decode()}")
        self.sample_rate = rate
        self.lock = threading.Lock()
        self._chunks: list[bytes] = []
        self._voice = ""
        # Kept on self: ctypes does not hold the Python callable alive, and C would call freed memory.
        self._callback = _SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: ctypes._Pointer, count: int, _events: int | None) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0 = go on; 1 would abort the synthesis

    def _set_voice(self, name: str) -> None:
        if name == self._voice:
            return
        if self._lib.espeak_SetVoiceByName(name.encode()) != _EE_OK:
            if self._lib.espeak_SetVoiceByName(_FALLBACK_VOICE.encode()) != _EE_OK:
                raise RuntimeError(f"espeak-ng has neither voice {name!r} nor {_FALLBACK_VOICE!r}")
            name = _FALLBACK_VOICE
        self._voice = name

    def synthesize(self, text: str, voice: str, rate_wpm: int) -> Pcm:
        """One piece of text at the engine's own rate (22.05 kHz)."""
        encoded = text.encode()
        with self.lock:
            self._set_voice(voice)
            self._lib.espeak_SetParameter(_PARAM_RATE, rate_wpm, 0)
            self._chunks = []
            status = self._lib.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            chunks, self._chunks = self._chunks, []
        if status != _EE_OK:
            raise RuntimeError(f"espeak-ng synthesis failed with status {status}")
        return np.frombuffer(b"".join(chunks), dtype=np.int16)


_engine: _Engine | None = None
_engine_lock = threading.Lock()
# One thread, because the engine can only do one thing at a time anyway.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")


def _get_engine() -> _Engine:
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = _Engine()
        return _engine


class EspeakTTS:
    """`TextToSpeech` with espeak-ng; `language` picks the voice ("fr", "en", or any espeak voice name)."""

    def __init__(self, rate_wpm: int = 165) -> None:
        # A little under espeak's 175 wpm default: formant speech over a phone line needs the extra time.
        self.rate_wpm = rate_wpm

    def voice_for(self, language: str) -> str:
        primary = language.split("-")[0].lower()
        return VOICE_FOR_LANGUAGE.get(primary, primary or _FALLBACK_VOICE)

    def render_sentence(self, text: str, language: str) -> Pcm:
        """Synchronous: one sentence at 8 kHz. Blocks; call it from a worker thread."""
        engine = _get_engine()
        audio = engine.synthesize(text, self.voice_for(language), self.rate_wpm)
        return resample(audio, engine.sample_rate, SAMPLE_RATE)

    def warm_up(self) -> None:
        """Load the library and the voices now, so the first caller does not wait for them."""
        for language in VOICE_FOR_LANGUAGE:
            self.render_sentence("ok", language)

    async def synthesize(self, text: str, language: str) -> AsyncIterator[Pcm]:
        loop = asyncio.get_running_loop()
        for sentence in split_sentences(text):
            audio = await loop.run_in_executor(_executor, self.render_sentence, sentence, language)
            if audio.size:
                yield audio
