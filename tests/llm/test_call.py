"""A whole call through the real engine: the session speaks what the conversational agent streams, and acts on
its decisions (hang up, transfer) once the words have played."""

from __future__ import annotations

import asyncio

from synclead.agent.llm.conversation import ConversationAgent
from synclead.agent.profile import AgencyProfile
from synclead.engine.ports import CallInfo
from synclead.engine.session import CallSession, SessionConfig
from synclead.engine.turns import TurnConfig
from tests.engine.fakes import QUIET, VOICE, EnergyVad, MemoryObserver, RecordingOutput, ScriptedStt, ToneTts
from tests.llm.conftest import provider_for
from tests.llm.emulator import ChatEmulator, Completion, ScriptedToolCall
from tests.llm.test_conversation import HOURS, MONDAY_MORNING, FakeKnowledge

INFO = CallInfo("CA1", "MZ1", "+33612345678", "+33142685300", "en", "demo")


class Call:
    def __init__(self, agent: ConversationAgent, caller: list[str]) -> None:
        self.output = RecordingOutput()
        self.observer = MemoryObserver()
        self.session = CallSession(
            INFO,
            agent=agent,
            stt=ScriptedStt(caller),
            tts=ToneTts(),
            vad=EnergyVad(),
            output=self.output,
            observer=self.observer,
            config=SessionConfig(turn=TurnConfig(min_speech_ms=40, end_of_turn_ms=300), lead_ms=60),
        )
        self.output.now = lambda: self.session.now_ms
        self.echoed: list[str] = []

    async def run(self, frame, ms: int) -> None:
        for _ in range(ms // 20):
            await self.session.on_audio(frame)
            # The model answers in real time from another thread; the media clock must not outrun it entirely.
            await asyncio.sleep(0.002)
            for mark in self.output.marks[len(self.echoed) :]:  # the carrier echoes each mark, as Twilio does
                self.echoed.append(mark)
                self.session.on_mark(mark)

    async def say(self, ms: int = 400) -> None:
        await self.run(VOICE, ms)

    def agent_said(self) -> list[str]:
        return [u.text for u in self.observer.utterances if u.role == "agent"]


async def start(agent: ConversationAgent, caller: list[str]) -> Call:
    call = Call(agent, caller)
    await call.session.start()
    await call.run(QUIET, 200)
    return call


async def test_answer_then_end_call_hangs_up_after_the_goodbye_has_played(emulator: ChatEmulator):
    emulator.reset(
        Completion(text=["We are open until 7 p.m. ", "Anything else?"]),
        Completion(text=["You're welcome, goodbye!"], tool_calls=[ScriptedToolCall("end_call", "{}")]),
    )
    model = provider_for(emulator)
    agent = ConversationAgent(
        AgencyProfile("Agence Lumière"), model, FakeKnowledge(), caller_number=INFO.from_number, hold_after_s=5.0
    )
    call = await start(agent, ["when do you close", "that's all thanks"])
    await call.say()
    await call.run(QUIET, 3000)
    assert call.agent_said()[-1] == "We are open until 7 p.m. Anything else?"
    assert not call.output.hung_up
    await call.say()
    await call.run(QUIET, 3000)
    assert call.agent_said()[-1] == "You're welcome, goodbye!"
    assert call.output.hung_up and call.session.closed
    assert call.observer.outcome is not None and call.observer.outcome.lead["phone"] == INFO.from_number
    await model.aclose()


async def test_transfer_reaches_the_carrier(emulator: ChatEmulator):
    emulator.reset(Completion(tool_calls=[ScriptedToolCall("transfer_to_human", "{}")]))
    model = provider_for(emulator)
    agency = AgencyProfile("Agence Lumière", staff_number="+33142685399", business_hours=HOURS)
    agent = ConversationAgent(
        agency, model, FakeKnowledge(), caller_number=INFO.from_number, clock=lambda: MONDAY_MORNING, hold_after_s=5.0
    )
    call = await start(agent, ["can I speak to someone"])
    await call.say()
    await call.run(QUIET, 3000)
    assert call.agent_said()[-1] == "I'm putting you through to an advisor, please hold."
    assert call.output.transferred_to == "+33142685399" and not call.output.hung_up
    assert call.observer.outcome is not None and call.observer.outcome.reason == "transferred"
    await model.aclose()
