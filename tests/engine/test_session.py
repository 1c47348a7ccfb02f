"""The call session's timing and turn-taking, driven one 20 ms frame at a time."""

from __future__ import annotations

import asyncio

import pytest

from synclead.engine.ports import AgentReply, CallInfo
from synclead.engine.session import CallSession, SessionConfig
from synclead.engine.turns import TurnConfig
from tests.engine.fakes import QUIET, VOICE, EchoAgent, EnergyVad, MemoryObserver, RecordingOutput, ScriptedStt, ToneTts

INFO = CallInfo("CA1", "MZ1", "+33612345678", "+33142685300", "en", "demo")


class Harness:
    """A session plus a carrier that echoes marks once their audio has played, as Twilio does."""

    def __init__(self, stt: ScriptedStt, agent: EchoAgent, config: SessionConfig | None = None) -> None:
        self.output = RecordingOutput()
        self.observer = MemoryObserver()
        self.session = CallSession(
            INFO,
            agent=agent,
            stt=stt,
            tts=ToneTts(),
            vad=EnergyVad(),
            output=self.output,
            observer=self.observer,
            config=config or SessionConfig(turn=TurnConfig(min_speech_ms=40, end_of_turn_ms=300), lead_ms=60),
        )
        self.output.now = lambda: self.session.now_ms
        self.played = 0  # frames the "caller" has heard
        self.echoed = 0

    async def step(self, frame) -> None:
        await self.session.on_audio(frame)
        # Twilio plays one frame per 20 ms and echoes a mark when playback reaches it.
        self.played = min(self.played + 1, len(self.output.frames))
        await asyncio.sleep(0)
        self._echo()

    def _echo(self) -> None:
        # A mark is reached once every frame sent before it has played; approximate by frames sent so far.
        while self.echoed < len(self.output.marks) and self.played >= len(self.output.frames):
            self.session.on_mark(self.output.marks[self.echoed])
            self.echoed += 1

    async def run(self, frame, ms: int) -> None:
        for _ in range(ms // 20):
            await self.step(frame)

    def said(self, role: str) -> list[str]:
        return [u.text for u in self.observer.utterances if u.role == role]


async def test_greets_at_once_and_answers_a_turn():
    h = Harness(ScriptedStt(["I would like to rent a flat"]), EchoAgent([AgentReply("Sure. What is your name?")]))
    await h.session.start()
    await asyncio.sleep(0)
    await h.step(QUIET)
    assert h.output.frames, "the greeting goes out before the caller's second frame"
    await h.run(QUIET, 3000)
    assert h.said("agent") == ["Hello there. How can I help?"]
    await h.run(VOICE, 1000)
    await h.run(QUIET, 2500)
    assert h.said("caller") == ["I would like to rent a flat"]
    assert h.said("agent")[-1] == "Sure. What is your name?"
    caller = h.observer.utterances[1]
    assert 3000 <= caller.start_ms <= 3100 and 3900 <= caller.end_ms <= 4100
    assert "turns" not in dict(h.observer.metrics)  # turn metrics are reported when the call ends
    await h.session.close("caller_hangup")
    turns = dict(h.observer.metrics)["turns"]["turns"]
    assert len(turns) == 1 and turns[0]["latency_ms"] >= 300  # at least the end-of-turn wait
    assert h.observer.outcome.reason == "caller_hangup"


async def test_barge_in_clears_and_keeps_only_what_was_heard():
    long_reply = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen."
    h = Harness(ScriptedStt(["tell me everything", "stop"]), EchoAgent([AgentReply(long_reply)]))
    await h.session.start()
    await h.run(QUIET, 3000)
    await h.run(VOICE, 600)
    await h.run(QUIET, 400)  # the turn ends after 300 ms of quiet and the 1.5 s reply starts playing
    await h.run(QUIET, 500)
    await h.run(VOICE, 100)  # the caller talks over it
    assert h.output.clears == 1
    barge = next(v for k, v in h.observer.metrics if k == "barge_in")
    assert barge["cleared_ms"] - barge["speech_started_ms"] <= 150
    interrupted = [u for u in h.observer.utterances if u.interrupted]
    assert len(interrupted) == 1
    heard = interrupted[0].text.split()
    # About 0.5-0.7 s of a 100 ms-per-word reply was played: five to seven words, never the whole thing.
    assert 4 <= len(heard) <= 8, heard
    assert long_reply.startswith(" ".join(heard))
    assert 3900 <= interrupted[0].start_ms <= 4000


async def test_a_pause_mid_sentence_does_not_split_the_turn():
    stt = ScriptedStt(["first half second half"], delay_s=0.05)
    h = Harness(stt, EchoAgent([AgentReply("Noted.")]))
    await h.session.start()
    await h.run(QUIET, 3000)
    await h.run(VOICE, 400)
    await h.run(QUIET, 320)  # end of turn fires (300 ms) and recognition starts...
    await h.run(VOICE, 400)  # ...but the caller goes on: the half-made reply is dropped
    await h.run(QUIET, 1500)
    await asyncio.sleep(0.1)
    await h.run(QUIET, 200)
    assert stt.heard_ms[-1] >= 1100, "the second recognition hears both halves"
    assert h.said("caller") == ["first half second half"]


async def test_silent_caller_is_prompted_then_let_go():
    config = SessionConfig(turn=TurnConfig(min_speech_ms=40, end_of_turn_ms=300), silence_timeout_ms=2000, lead_ms=60)
    agent = EchoAgent([])
    h = Harness(ScriptedStt([]), agent, config)
    await h.session.start()
    await h.run(QUIET, 10_000)
    assert agent.silences == 2
    assert h.output.hung_up
    assert h.session.closed and h.observer.outcome.reason == "caller_silent"
    assert h.said("agent") == ["Hello there. How can I help?", "Still there?", "Still there?"]


async def test_caller_who_never_stops_is_cut_into_turns_and_call_ends_at_max_length():
    config = SessionConfig(
        turn=TurnConfig(min_speech_ms=40, end_of_turn_ms=300, max_turn_ms=5000), max_call_ms=12_000, lead_ms=60
    )
    stt = ScriptedStt(["blah"] * 10)
    h = Harness(stt, EchoAgent([AgentReply("I hear you.")] * 10), config)
    await h.session.start()
    await h.run(VOICE, 20_000)
    assert len(stt.heard_ms) >= 2 and max(stt.heard_ms) <= 5600
    assert h.session.closed
    assert h.observer.outcome.reason == "max_duration"
    assert h.said("agent")[-1] == "Time is up. Goodbye."


async def test_stt_failure_is_apologised_for_not_fatal():
    class BrokenStt(ScriptedStt):
        async def transcribe(self, audio, language):
            raise RuntimeError("model crashed")

    h = Harness(BrokenStt([]), EchoAgent([]))
    await h.session.start()
    await h.run(QUIET, 3000)
    await h.run(VOICE, 500)
    await h.run(QUIET, 2000)
    assert "Sorry, say again?" in h.said("agent")
    assert not h.session.closed


async def test_carrier_that_never_echoes_marks_does_not_hold_the_call():
    h = Harness(ScriptedStt([]), EchoAgent([]))
    h._echo = lambda: None  # a carrier that drops marks
    await h.session.start()
    await h.run(QUIET, 5000)
    assert h.said("agent") == ["Hello there. How can I help?"]


@pytest.mark.parametrize("reason", ["caller_hangup", "stream_dropped"])
async def test_close_mid_reply_keeps_what_was_heard(reason):
    h = Harness(ScriptedStt([]), EchoAgent([]))
    await h.session.start()
    await h.run(QUIET, 300)
    await h.session.close(reason)
    await h.session.close(reason)  # idempotent
    assert h.observer.outcome.reason == reason
    assert h.observer.utterances and h.observer.utterances[0].interrupted


async def test_streamed_reply_speaks_the_first_sentence_before_the_rest_exists():
    produced: list[str] = []
    reply = AgentReply()

    async def sentences():
        produced.append("first")
        yield "We open at nine."
        await asyncio.sleep(0.3)
        produced.append("second")
        reply.hang_up = True  # decided while streaming, like an end_call tool
        yield "Goodbye."

    reply.stream = sentences()
    h = Harness(ScriptedStt(["when do you open"]), EchoAgent([reply]))
    await h.session.start()
    await h.run(QUIET, 3000)
    await h.run(VOICE, 400)
    await h.run(QUIET, 340)
    frames_before = len(h.output.frames)
    await h.run(QUIET, 60)
    assert produced == ["first"] and len(h.output.frames) > frames_before, "speaking before the stream ends"
    await asyncio.sleep(0.35)
    await h.run(QUIET, 3000)
    assert h.said("agent")[-1] == "We open at nine. Goodbye."
    assert h.output.hung_up and h.session.closed


async def test_transfer_after_the_reply_has_played():
    reply = AgentReply("Let me put you through to an advisor.", transfer_to="+33142685399")
    h = Harness(ScriptedStt(["I need to talk to someone"]), EchoAgent([reply]))
    await h.session.start()
    await h.run(QUIET, 3000)
    await h.run(VOICE, 400)
    await h.run(QUIET, 2000)
    assert h.said("agent")[-1] == "Let me put you through to an advisor."
    await h.run(QUIET, 100)
    assert h.output.transferred_to == "+33142685399" and not h.output.hung_up
    assert h.session.closed and h.observer.outcome.reason == "transferred"
