"""A streaming recogniser taking turns, and the session falling back from it without losing the caller's words."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from synclead.engine.ports import (
    AgentReply,
    CallInfo,
    RecognizerActivity,
    RecognizerError,
    RecognizerTurnEnded,
)
from synclead.engine.session import CallSession, SessionConfig
from synclead.engine.turns import TurnConfig
from tests.engine.fakes import QUIET, VOICE, EchoAgent, EnergyVad, MemoryObserver, RecordingOutput, ScriptedStt, ToneTts

INFO = CallInfo("CA1", "MZ1", "+33612345678", "+33142685300", "en", "demo")


class ScriptedStream:
    """A recogniser that hears loud frames, and ends a turn after 300 ms of quiet — unless told to misbehave."""

    def __init__(self, text: str, mode: str = "ok") -> None:
        self.text, self.mode = text, mode
        self.events_queue: asyncio.Queue = asyncio.Queue()
        self.frames = 0
        self.closed = False
        self._voiced_from: int | None = None
        self._quiet = 0

    def push(self, audio) -> None:
        self.frames += 1
        now = self.frames * 20
        loud = abs(int(audio.max())) > 1000
        if self.mode == "stall":
            return
        if self.mode == "drop" and self.frames > 180:
            self.events_queue.put_nowait(RecognizerError("connection closed (1006)"))
            self.mode = "dead"
            return
        if loud:
            if self._voiced_from is None:
                self._voiced_from = now - 20
            self._quiet = 0
            if self.frames % 10 == 0:
                self.events_queue.put_nowait(RecognizerActivity("partial"))
        elif self._voiced_from is not None:
            self._quiet += 20
            if self._quiet >= 300:
                self.events_queue.put_nowait(RecognizerTurnEnded(self.text, self._voiced_from, now - 300))
                self._voiced_from = None

    async def events(self) -> AsyncIterator:
        while True:
            event = await self.events_queue.get()
            if isinstance(event, Exception):
                raise event
            yield event

    async def close(self) -> None:
        self.closed = True


class Recognizer:
    def __init__(self, stream: ScriptedStream | None = None, refuse: bool = False) -> None:
        self.stream, self.refuse = stream, refuse

    async def open(self, info):
        if self.refuse:
            raise RecognizerError("401 invalid API key", permanent=True)
        return self.stream


def session(recognizer, stt: ScriptedStt) -> tuple[CallSession, RecordingOutput, MemoryObserver]:
    output, observer = RecordingOutput(), MemoryObserver()
    s = CallSession(
        INFO,
        agent=EchoAgent([AgentReply("Noted.")] * 5),
        stt=stt,
        tts=ToneTts(),
        vad=EnergyVad(),
        output=output,
        observer=observer,
        config=SessionConfig(turn=TurnConfig(min_speech_ms=40, end_of_turn_ms=600), lead_ms=60),
        recognizer=recognizer,
    )
    output.now = lambda: s.now_ms
    return s, output, observer


async def run(s: CallSession, frame, ms: int) -> None:
    for _ in range(ms // 20):
        await s.on_audio(frame)
        await asyncio.sleep(0)


def caller_lines(observer: MemoryObserver) -> list[str]:
    return [u.text for u in observer.utterances if u.role == "caller"]


async def test_the_recogniser_decides_the_turn_and_whisper_is_not_used():
    stream = ScriptedStream("I want to rent a flat")
    stt = ScriptedStt(["(offline)"])
    s, _, observer = session(Recognizer(stream), stt)
    await s.start()
    await run(s, QUIET, 2000)
    await run(s, VOICE, 800)
    await run(s, QUIET, 400)  # the recogniser ends the turn at 300 ms, before the local 600 ms
    await asyncio.sleep(0.01)
    assert caller_lines(observer) == ["I want to rent a flat"]
    assert stt.heard_ms == [], "no offline recognition while the recogniser works"
    await s.close("caller_hangup")
    assert stream.closed


async def test_a_stalled_recogniser_is_replaced_within_a_second_and_nothing_is_lost():
    stream = ScriptedStream("never said", mode="stall")
    stt = ScriptedStt(["I want to rent a flat in the ninth"])
    s, _, observer = session(Recognizer(stream), stt)
    await s.start()
    await run(s, QUIET, 2000)
    await run(s, VOICE, 1500)
    errors = [v for k, v in observer.metrics if k == "provider_error"]
    assert errors and not errors[0]["permanent"]
    assert errors[0]["at_ms"] - 2000 <= 1100, "detected within about a second of speech"
    await run(s, QUIET, 800)
    await asyncio.sleep(0.01)
    assert caller_lines(observer) == ["I want to rent a flat in the ninth"]
    assert stt.heard_ms[0] >= 1500, "the offline recogniser heard the whole turn, from its start"


async def test_a_dropped_socket_after_a_turn_falls_back_for_the_rest_of_the_call():
    stream = ScriptedStream("first question", mode="drop")
    stt = ScriptedStt(["second question"])
    s, _, observer = session(Recognizer(stream), stt)
    await s.start()
    await run(s, QUIET, 2000)
    await run(s, VOICE, 600)
    await run(s, QUIET, 1000)  # turn 1 answered by the recogniser; it then drops (frame 180 = 3.6 s)
    await run(s, VOICE, 600)
    await run(s, QUIET, 1000)
    await asyncio.sleep(0.01)
    assert caller_lines(observer) == ["first question", "second question"]
    assert [v["provider"] for k, v in observer.metrics if k == "provider_error"] == ["stt"]


async def test_a_refused_key_is_reported_once_and_the_call_runs_offline():
    stt = ScriptedStt(["hello"])
    s, _, observer = session(Recognizer(refuse=True), stt)
    await s.start()
    await run(s, QUIET, 2000)
    await run(s, VOICE, 600)
    await run(s, QUIET, 1000)
    await asyncio.sleep(0.01)
    errors = [v for k, v in observer.metrics if k == "provider_error"]
    assert len(errors) == 1 and errors[0]["permanent"]
    assert caller_lines(observer) == ["hello"]
