"""A streaming recogniser that takes turns itself (AssemblyAI, say), watched for failure on the media clock.

The session keeps its own voice activity detector running beside it: barge-in stays local (faster than a round
trip), and the detector is how a stall is noticed — the caller has been speaking for a second and the recogniser has
said nothing. Then, as when the socket drops, the session falls back to its offline recogniser, and the audio since
the recogniser's last turn, which the session keeps anyway, is transcribed there: nothing the caller said is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from synclead.engine.ports import (
    CallInfo,
    Pcm,
    RecognizerActivity,
    RecognizerError,
    RecognizerSpeechStarted,
    RecognizerStream,
    RecognizerTurnEnded,
    StreamingSpeechToText,
)

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 3.0
CLOSE_TIMEOUT_S = 2.0


class StreamingTurns:
    def __init__(
        self,
        info: CallInfo,
        recognizer: StreamingSpeechToText,
        *,
        on_turn: Callable[[str, int, int], None],
        on_speech: Callable[[], None],
        on_failure: Callable[[str, bool], None],
        stall_ms: int = 1_000,
    ) -> None:
        self.info = info
        self.recognizer = recognizer
        self.on_turn = on_turn
        self.on_speech = on_speech
        self.on_failure = on_failure
        self.stall_ms = stall_ms
        self.stream: RecognizerStream | None = None
        self.active = False
        self.last_heard_ms = 0
        # Media time up to which the recogniser has accounted for the caller's speech (its last turn's end).
        self.covered_until_ms = 0
        self._now = 0
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> bool:
        try:
            self.stream = await asyncio.wait_for(self.recognizer.open(self.info), OPEN_TIMEOUT_S)
        except (RecognizerError, TimeoutError, OSError) as exc:
            permanent = isinstance(exc, RecognizerError) and exc.permanent
            self.on_failure(f"could not open: {exc or type(exc).__name__}", permanent)
            return False
        self.active = True
        self._task = asyncio.create_task(self._consume())
        return True

    def push(self, frame: Pcm, now_ms: int) -> None:
        self._now = now_ms
        if self.active and self.stream is not None:
            self.stream.push(frame)

    def check_stall(self, now_ms: int, caller_speaking_since: int | None) -> None:
        """Called every frame: speech for `stall_ms` with no word from the recogniser means it has stalled."""
        if not self.active or caller_speaking_since is None:
            return
        quiet_since = max(self.last_heard_ms, caller_speaking_since)
        if now_ms - quiet_since >= self.stall_ms:
            self._fail(f"no message for {now_ms - quiet_since} ms while the caller spoke", permanent=False)

    async def _consume(self) -> None:
        assert self.stream is not None
        try:
            async for event in self.stream.events():
                self.last_heard_ms = self._now
                if isinstance(event, RecognizerTurnEnded):
                    self.covered_until_ms = max(self.covered_until_ms, event.end_ms)
                    if event.text.strip():
                        self.on_turn(event.text.strip(), event.start_ms, event.end_ms)
                elif isinstance(event, RecognizerSpeechStarted):
                    self.on_speech()
                elif isinstance(event, RecognizerActivity):
                    pass
            if self.active:
                self._fail("the stream ended", permanent=False)
        except asyncio.CancelledError:
            raise
        except RecognizerError as exc:
            self._fail(str(exc), exc.permanent)
        except Exception as exc:
            log.exception("call %s: streaming recogniser failed", self.info.call_sid)
            self._fail(f"{type(exc).__name__}: {exc}", permanent=False)

    def _fail(self, reason: str, permanent: bool) -> None:
        if not self.active:
            return
        self.active = False
        stream, self.stream = self.stream, None
        if stream is not None:
            task = asyncio.create_task(_close_quietly(stream))
            task.add_done_callback(lambda t: None)
        self.on_failure(reason, permanent)

    async def close(self) -> None:
        self.active = False
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        stream, self.stream = self.stream, None
        if stream is not None:
            await _close_quietly(stream)


async def _close_quietly(stream: RecognizerStream) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(stream.close(), CLOSE_TIMEOUT_S)
