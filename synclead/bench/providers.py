"""Benchmark-only providers: fixed answers after fixed delays, so the benchmark measures SYNCLEAD, not models.

The voice activity detector is the product's own (Silero): it runs on every inbound frame and is part of the
media path being measured.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from synclead.agent.profile import AgencyProfile
from synclead.bench.audio import tone_burst
from synclead.engine.ports import AgentReply, CallInfo, CallOutcome, Pcm, Transcript
from synclead.gateway.providers import Providers

GREETING = "Hello, you are through to the benchmark line."
REPLY = "Certainly, I can help you with that."
HEARD = "I would like to book a visit."


@dataclass(slots=True)
class FixedSTT:
    delay_s: float
    text: str = HEARD

    async def transcribe(self, audio: Pcm, language: str) -> Transcript:
        await asyncio.sleep(self.delay_s)
        return Transcript(self.text, language)


class FixedVoice:
    """Every sentence is the same pre-made tone burst, after a fixed delay; the greeting, like the product's
    cached phrases, is ready at once."""

    def __init__(self, delay_s: float, audio: Pcm | None = None) -> None:
        self.delay_s = delay_s
        self.audio = tone_burst() if audio is None else audio
        self.audio.flags.writeable = False
        self.instant = frozenset({GREETING})

    async def synthesize(self, text: str, language: str) -> AsyncIterator[Pcm]:
        if text not in self.instant:
            await asyncio.sleep(self.delay_s)
        yield self.audio


class InstantAgent:
    """Greets, and answers every turn at once with the same single sentence; never hangs up by itself."""

    def greeting(self) -> str:
        return GREETING

    async def reply(self, caller_text: str) -> AgentReply:
        return AgentReply(REPLY)

    def on_silence(self, count: int) -> AgentReply:
        return AgentReply("Are you still there?")

    def on_error(self) -> AgentReply:
        return AgentReply("Sorry, could you say that again?")

    def farewell(self) -> AgentReply:
        return AgentReply("Goodbye.", hang_up=True)

    def outcome(self, reason: str) -> CallOutcome:
        return CallOutcome(reason=reason, summary="Benchmark call.")


def instant_agent(info: CallInfo, profile: AgencyProfile) -> InstantAgent:
    return InstantAgent()


def bench_providers(stt_delay_ms: int = 100, tts_delay_ms: int = 50) -> Providers:
    from synclead.audio.vad import VadStream, get_model

    get_model()  # load the shared weights before the first call, as the product does at start-up
    return Providers(
        stt=FixedSTT(stt_delay_ms / 1000),
        tts=FixedVoice(tts_delay_ms / 1000),
        vad_factory=VadStream,
        agent_factory=instant_agent,
    )
