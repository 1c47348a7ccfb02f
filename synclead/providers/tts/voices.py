"""One `TextToSpeech` per language, and a cache of the phrases an agent says on every call."""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

import numpy as np

from synclead.engine.ports import Pcm, TextToSpeech

log = logging.getLogger(__name__)

# The voices an organization can choose (`Organization.voice`); they differ in French, where Kokoro has two speakers.
KOKORO_SPEAKERS = {"kokoro_female": "jf_gongitsune", "kokoro_male": "jm_kumo"}
DEFAULT_VOICE = "kokoro_female"
VOICE_NAMES = (*KOKORO_SPEAKERS, "espeak")


def primary_language(language: str) -> str:
    """ "fr-FR" → "fr": voices are chosen by language, not by region."""
    return language.split("-")[0].split("_")[0].lower()


class LanguageVoices:
    """Routes each language to its voice, with a bounded LRU cache of whole rendered utterances.

    The cache is for fixed phrases (greeting, "one moment please", goodbye): prewarm them at start-up and the
    caller hears them at once. Cached arrays are read-only and shared by every call that plays them.

    Without arguments, the packaged offline voices: Piper for English, Kokoro for French (espeak-ng when Kokoro is
    missing or fails), espeak-ng for the rest.
    """

    def __init__(
        self,
        voices: Mapping[str, TextToSpeech] | None = None,
        fallback: TextToSpeech | None = None,
        cache_size: int = 256,
        choices: Mapping[str, Mapping[str, TextToSpeech]] | None = None,
    ) -> None:
        """`choices`: the voices an organization may pick instead (`Organization.voice`), each language → voice."""
        if voices is None or fallback is None:
            from synclead.providers.tts.espeak import EspeakTTS
            from synclead.providers.tts.piper import PiperTTS

            espeak = EspeakTTS()
            if voices is None:
                choices = offline_choices(espeak) if choices is None else choices
                voices = {"en": PiperTTS(), **choices.get(DEFAULT_VOICE, {"fr": espeak})}
            fallback = fallback or espeak
        self.voices = {primary_language(code): voice for code, voice in voices.items()}
        self.fallback = fallback
        self.choices = {name: dict(routes) for name, routes in (choices or {}).items()}
        self.choice = DEFAULT_VOICE
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, str, str], Pcm] = OrderedDict()
        # prewarm() fills the cache from a start-up thread while the event loop may already read it.
        self._lock = threading.Lock()
        self.syntheses = 0  # utterances actually rendered, so tests and metrics can see cache hits
        # Fixed phrases to keep the first time they are played rather than render at start-up: (language, text).
        self._on_first_play: set[tuple[str, str]] = set()

    @classmethod
    def offline(cls, cache_size: int = 256) -> LanguageVoices:
        """The packaged voices: Piper for English, Kokoro for French (espeak-ng behind it), espeak-ng for the rest."""
        return cls(cache_size=cache_size)

    def chosen(self, name: str) -> LanguageVoices:
        """These voices with an organization's choice in place of the default, sharing the phrase cache.

        An unknown or empty name is the default voice, so a choice removed from a deployment never silences a call.
        """
        routes = self.choices.get(name)
        if not name or name == self.choice or routes is None:
            return self
        view = copy.copy(self)
        view.voices = {**self.voices, **{primary_language(code): voice for code, voice in routes.items()}}
        view.choice = name
        return view

    def warm_up(self) -> None:
        """Load every voice's model now (Kokoro: about a second), so no caller waits for it.

        A voice that fails to load is logged and left to its fallback: the process still answers calls.
        """
        seen: set[int] = set()
        routes = [*self.voices.values(), *(voice for choice in self.choices.values() for voice in choice.values())]
        for voice in routes:
            inner = getattr(voice, "primary", voice)  # a voice with a fallback behind it: load the one in front
            if id(inner) in seen:
                continue
            seen.add(id(inner))
            warm_up = getattr(inner, "warm_up", None)
            if warm_up is None:
                continue
            try:
                warm_up()
            except Exception:
                log.exception("voice %s failed to load; its fallback will speak", type(inner).__name__)

    def voice_for(self, language: str) -> TextToSpeech:
        return self.voices.get(primary_language(language), self.fallback)

    def cached(self, text: str, language: str) -> Pcm | None:
        key = (self.choice, primary_language(language), text)
        with self._lock:
            audio = self._cache.get(key)
            if audio is not None:
                self._cache.move_to_end(key)
        return audio

    def _store(self, text: str, language: str, audio: Pcm) -> Pcm:
        audio.flags.writeable = False
        with self._lock:
            self._cache[(self.choice, primary_language(language), text)] = audio
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
        if (primary_language(language), text) not in self._on_first_play:
            async for sentence in self.voice_for(language).synthesize(text, language):
                yield sentence
            return
        # A fixed phrase left for its first play: streamed now, kept if the caller let it finish in the voice meant
        # to say it (not a fallback standing in for a busy Kokoro, which would then be cached for good).
        voice = self.voice_for(language)
        fallbacks = getattr(voice, "fallbacks", 0)
        parts: list[Pcm] = []
        async for sentence in voice.synthesize(text, language):
            parts.append(sentence)
            yield sentence
        if parts and getattr(voice, "fallbacks", 0) == fallbacks:
            self._store(text, language, np.concatenate(parts))

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

    async def _render_unhurried(self, text: str, language: str) -> Pcm:
        """`render` for start-up, where nobody waits: a voice with a fallback (Kokoro) gets all the time it needs
        rather than the first-audio deadline of a live call, so a busy start does not cache the fallback's voice."""
        voice = self.voice_for(language)
        primary = getattr(voice, "primary", None)
        if primary is None or self.cached(text, language) is not None:
            return await self.render(text, language)
        try:
            parts = [part async for part in primary.synthesize(text, language)]
        except Exception:
            log.exception("%s could not render %r at start-up; its fallback will", type(primary).__name__, text)
            return await self.render(text, language)
        self.syntheses += 1
        rendered = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
        return self._store(text, language, rendered)

    def prewarm(self, phrases: Iterable[tuple[str, str] | tuple[str, str, str]]) -> None:
        """Render fixed (text, language) phrases into the cache before the first call needs them; a third item
        names the organization's voice (`chosen`) that will say it.

        An organization's own phrases (its greeting: those with a voice) are always rendered now. The phrases every
        organization shares are rendered now by the fast voices, and by a slow one (Kokoro: ~15 s of CPU for the
        French set) the first time they are said, streamed as any sentence, then kept.

        Blocking: run it at start-up or in a worker thread (`asyncio.to_thread`), not on a running loop.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # no loop in this thread: the expected case
        else:
            raise RuntimeError("prewarm() blocks: call it via asyncio.to_thread(), or await render() instead")

        async def render_all() -> None:
            for text, language, *voice in phrases:
                if voice or _renders_fast(self.voice_for(language)):
                    await self.chosen(voice[0] if voice else "")._render_unhurried(text, language)
                else:
                    self._on_first_play.add((primary_language(language), text))

        asyncio.run(render_all())


def _renders_fast(voice: TextToSpeech) -> bool:
    """Whether a voice is cheap enough to render every fixed phrase at start-up (`prerender = False` says not)."""
    return getattr(getattr(voice, "primary", voice), "prerender", True)


def kokoro_voice(speaker: str, espeak: TextToSpeech, **options: Any) -> TextToSpeech:
    """Kokoro with espeak-ng behind it: a Kokoro that fails (or whose model is missing) leaves the caller espeak-ng.

    Kokoro is local, so its only slow moments are a busy CPU: it gets longer than a cloud voice before its first
    audio, and a pause between two pieces of a sentence is not taken for a stall.
    """
    # Imported here: fallback.py builds on this module.
    from synclead.providers.tts.fallback import FallbackVoice
    from synclead.providers.tts.kokoro import KokoroTTS

    behind = LanguageVoices({"fr": espeak}, fallback=espeak, cache_size=0, choices={})
    return FallbackVoice(
        KokoroTTS(speaker, **options),
        behind,
        first_audio_timeout_s=2.0,
        stall_timeout_s=10.0,
        name=f"Kokoro voice ({speaker})",
    )


def offline_choices(espeak: TextToSpeech) -> dict[str, dict[str, TextToSpeech]]:
    """Each voice an organization may choose, by language; espeak-ng everywhere when Kokoro is not installed."""
    try:
        import kokoro_onnx  # noqa: F401
    except ModuleNotFoundError:
        log.warning("the 'kokoro-onnx' package is missing: French is spoken by espeak-ng")
        return {name: {"fr": espeak} for name in VOICE_NAMES}
    choices: dict[str, dict[str, TextToSpeech]] = {
        name: {"fr": kokoro_voice(speaker, espeak)} for name, speaker in KOKORO_SPEAKERS.items()
    }
    choices["espeak"] = {"fr": espeak}
    return choices
