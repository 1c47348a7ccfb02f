"""A cloud voice with the offline voice behind it, so a provider fault never leaves the caller in silence.

Rules, per sentence (the engine calls `synthesize` once per sentence):
- A phrase in the offline cache (greeting, "one moment please") is played from it, never sent to the cloud: it is
  ready now, and the first thing a caller hears must not wait on the network. The price is that those phrases
  are in the offline voice.
- The primary gets `first_audio_timeout_s` to produce its first audio. If it fails or is late, the offline voice
  speaks the whole sentence, so the gap is at most the timeout plus the offline voice's own start.
- If the primary fails, or stalls for `stall_timeout_s`, after audio has been played, the rest of that sentence
  is dropped (repeating it in another voice would sound broken) and the breaker is opened, so the next sentences
  come from the offline voice.
- A permanent error (bad key, unknown voice) disables the primary for the process: logged once, kept in
  `last_error` for the dashboard. Transient errors count towards a circuit breaker.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable

from synclead.engine.ports import Pcm, TextToSpeech
from synclead.providers.tts.voices import LanguageVoices

log = logging.getLogger(__name__)


class CircuitBreaker:
    """`failures` within `window_s` open it for `cooldown_s`; then one trial, and one more failure reopens it."""

    def __init__(
        self,
        failures: int = 3,
        window_s: float = 60.0,
        cooldown_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.window_s = window_s
        self.cooldown_s = cooldown_s
        self.clock = clock
        self._recent: deque[float] = deque()
        self._open_until: float | None = None
        self._trial = False  # the cooldown has passed: the next outcome decides

    @property
    def is_open(self) -> bool:
        if self._open_until is None:
            return False
        if self.clock() < self._open_until:
            return True
        self._open_until, self._trial = None, True
        return False

    def success(self) -> None:
        self._recent.clear()
        self._trial = False

    def failure(self) -> None:
        now = self.clock()
        self._recent.append(now)
        while self._recent and self._recent[0] <= now - self.window_s:
            self._recent.popleft()
        if self._trial or len(self._recent) >= self.failures:
            self.trip()

    def trip(self) -> None:
        self._open_until = self.clock() + self.cooldown_s
        self._recent.clear()
        self._trial = False


class FallbackVoice:
    """`TextToSpeech`: the primary voice while it works, the offline `LanguageVoices` when it does not."""

    def __init__(
        self,
        primary: TextToSpeech,
        fallback: LanguageVoices,
        first_audio_timeout_s: float = 1.0,
        stall_timeout_s: float = 1.5,
        breaker: CircuitBreaker | None = None,
        name: str = "cloud voice",
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.first_audio_timeout_s = first_audio_timeout_s
        # A stream that goes quiet midway is given up like one that breaks: past this gap the caller hears silence.
        self.stall_timeout_s = stall_timeout_s
        self.breaker = breaker or CircuitBreaker()
        self.name = name
        self.disabled = False
        self.last_error = ""  # for the dashboard: why callers are hearing the offline voice
        self.fallbacks = 0  # sentences (or their rest) the primary did not speak, for metrics and tests

    @property
    def using_primary(self) -> bool:
        return not self.disabled and not self.breaker.is_open

    def prewarm(self, phrases: Iterable[tuple[str, str]]) -> None:
        """Fixed phrases go into the offline cache, where `synthesize` plays them from."""
        self.fallback.prewarm(phrases)

    async def synthesize(self, text: str, language: str) -> AsyncIterator[Pcm]:
        if self.fallback.cached(text, language) is not None or not self.using_primary:
            async for audio in self.fallback.synthesize(text, language):
                yield audio
            return
        stream = aiter(self.primary.synthesize(text, language))
        try:
            try:
                first = await asyncio.wait_for(anext(stream), self.first_audio_timeout_s)
            except StopAsyncIteration:
                self.breaker.success()  # nothing to say (punctuation alone, say)
                return
            except TimeoutError:
                self._failed(f"no audio within {self.first_audio_timeout_s:g} s", permanent=False)
                first = None
            except Exception as exc:
                self._failed(str(exc), permanent=getattr(exc, "permanent", False))
                first = None
            if first is None:
                async for audio in self.fallback.synthesize(text, language):
                    yield audio
                return
            yield first
            try:
                while True:
                    try:
                        audio = await asyncio.wait_for(anext(stream), self.stall_timeout_s)
                    except StopAsyncIteration:
                        break
                    yield audio
            except TimeoutError:
                self._failed(f"stalled mid-sentence for {self.stall_timeout_s:g} s", permanent=False, trip=True)
                return
            except Exception as exc:
                self._failed(f"failed mid-sentence: {exc}", permanent=getattr(exc, "permanent", False), trip=True)
                return
            self.breaker.success()
        finally:
            # Stops the primary's request when the caller barges in or the primary was given up on.
            close = getattr(stream, "aclose", None)
            if close is not None:
                await close()

    def _failed(self, message: str, *, permanent: bool, trip: bool = False) -> None:
        self.fallbacks += 1
        self.last_error = message
        if permanent:
            if not self.disabled:
                log.error("%s disabled until restart, offline voice speaks instead: %s", self.name, message)
            self.disabled = True
            return
        was_open = self.breaker.is_open
        # A stream that breaks after audio has played opens the breaker at once: the caller already heard a voice
        # cut off, and switching voices back and forth within one reply would sound worse than staying offline.
        if trip:
            self.breaker.trip()
        else:
            self.breaker.failure()
        if self.breaker.is_open and not was_open:
            log.warning("%s failing (%s): offline voice for %g s", self.name, message, self.breaker.cooldown_s)
        else:
            log.info("%s failed (%s): offline voice for this sentence", self.name, message)
