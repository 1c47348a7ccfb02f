"""One `TextToSpeech` per language, and a cache of the phrases an agent says on every call."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Mapping

import numpy as np

from synclead.engine.ports import Pcm, TextToSpeech


def primary_language(language: str) -> str:
    """ "fr-FR" → "fr": voices are chosen by language, not by region."""
    return language.split("-")[0].split("_")[0].lower()


class LanguageVoices:
    """Routes each language to its voice, with a bounded LRU cache of whole rendered utterances.

    The cache is for fixed phrases (greeting, "one moment please", goodbye): prewarm them at start-up and the
    caller hears them at once. Cached arrays are read-only and shared by every call that plays them.

    Without arguments, the packaged offline voices: Piper for English, espeak-ng for French and the rest.
    """

    def __init__(
        self,
        voices: Mapping[str, TextToSpeech] | None = None,
        fallback: TextToSpeech | None = None,
        cache_size: int = 256,
    ) -> None:
        if voices is None or fallback is None:
            from synclead.providers.tts.espeak import EspeakTTS
            from synclead.providers.tts.piper import PiperTTS

            espeak = EspeakTTS()
            voices = {"en": PiperTTS(), "fr": espeak} if voices is None else voices
            fallback = fallback or espeak
        self.voices = {primary_language(code): voice for code, voice in voices.items()}
        self.fallback = fallback
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, str], Pcm] = OrderedDict()
        # prewarm() fills the cache from a start-up thread while the event loop may already read it.
        self._lock = threading.Lock()
        self.syntheses = 0  # utterances actually rendered, so tests and metrics can see cache hits

    @classmethod
    def offline(cls, cache_size: int = 256) -> LanguageVoices:
        """The packaged voices: Piper for English, espeak-ng for French and anything else."""
        return cls(cache_size=cache_size)

    def voice_for(self, language: str) -> TextToSpeech:
        return self.voices.get(primary_language(language), self.fallback)

    def cached(self, text: str, language: str) -> Pcm | None:
        key = (primary_language(language), text)
        with self._lock:
            audio = self._cache.get(key)
            if audio is not None:
                self._cache.move_to_end(key)
        return audio

    def _store(self, text: str, language: str, audio: Pcm) -> Pcm:
        audio.flags.writeable = False
        with self._lock:
            self._cache[(primary_language(language), text)] = audio
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return audio

    async def synthesize(self, text: str, language: str) -> AsyncIterator[Pcm]:
        """`TextToSpeech` itself: a cached phrase in one piece, anything else streamed sentence by sentence."""
        audio = self.cached(text, language)
        if audio is not None:
            yield audio
            return
        self.syntheses += 1
        async for sentence in self.voice_for(language).synthesize(text, language):
            yield sentence

    async def render(self, text: str, language: str, remember: bool = True) -> Pcm:
        """The whole utterance as one array, from the cache when it is there.

        `remember=False` for one-off text, so that it does not push the fixed phrases out of the cache.
        """
        audio = self.cached(text, language)
        if audio is not None:
            return audio
        self.syntheses += 1
        parts = [part async for part in self.voice_for(language).synthesize(text, language)]
        rendered = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
        return self._store(text, language, rendered) if remember else rendered

    def prewarm(self, phrases: Iterable[tuple[str, str]]) -> None:
        """Render fixed (text, language) phrases into the cache before the first call needs them.

        Blocking: run it at start-up or in a worker thread (`asyncio.to_thread`), not on a running loop.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # no loop in this thread: the expected case
        else:
            raise RuntimeError("prewarm() blocks: call it via asyncio.to_thread(), or await render() instead")

        async def render_all() -> None:
            for text, language in phrases:
                await self.render(text, language)

        asyncio.run(render_all())
