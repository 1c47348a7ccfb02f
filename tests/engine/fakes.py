"""Stand-ins for the providers and the carrier, so the session's timing can be driven frame by frame.

These replace models and the network only; the session, turn detector and playout under test are the real ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import numpy as np

from synclead.engine.ports import (
    FRAME_SAMPLES,
    AgentReply,
    CallOutcome,
    Pcm,
    Transcript,
    UtteranceRecord,
)

VOICE = np.full(FRAME_SAMPLES, 3000, dtype=np.int16)
QUIET = np.zeros(FRAME_SAMPLES, dtype=np.int16)


class EnergyVad:
    """Speech wherever the frame is loud: one 20 ms window per frame, probability 1 or 0."""

    window_ms = 20

    def process(self, frame: Pcm) -> list[float]:
        return [1.0 if np.abs(frame).max() > 1000 else 0.0]


@dataclass
class ScriptedStt:
    answers: list[str]
    delay_s: float = 0.0
    heard_ms: list[int] = field(default_factory=list)

    async def transcribe(self, audio: Pcm, language: str) -> Transcript:
        self.heard_ms.append(len(audio) // 8)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return Transcript(self.answers.pop(0) if self.answers else "", language)


class ToneTts:
    """100 ms of audio per word, so how much was heard maps to words exactly."""

    async def synthesize(self, text: str, language: str) -> AsyncIterator[Pcm]:
        yield np.full(len(text.split()) * 800, 1200, dtype=np.int16)


@dataclass
class EchoAgent:
    replies: list[AgentReply]
    heard: list[str] = field(default_factory=list)
    silences: int = 0

    def greeting(self) -> str:
        return "Hello there. How can I help?"

    async def reply(self, caller_text: str) -> AgentReply:
        self.heard.append(caller_text)
        return self.replies.pop(0) if self.replies else AgentReply("Goodbye.", hang_up=True)

    def on_silence(self, count: int) -> AgentReply:
        self.silences = count
        return AgentReply("Still there?", hang_up=count >= 2)

    def on_error(self) -> AgentReply:
        return AgentReply("Sorry, say again?")

    def farewell(self) -> AgentReply:
        return AgentReply("Time is up. Goodbye.", hang_up=True)

    def outcome(self, reason: str) -> CallOutcome:
        return CallOutcome(reason=reason, lead={"details": " ".join(self.heard)})


@dataclass
class RecordingOutput:
    frames: list[tuple[int, Pcm]] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    clears: int = 0
    hung_up: bool = False
    transferred_to: str = ""
    now: callable = lambda: 0

    async def send_audio(self, audio: Pcm) -> None:
        self.frames.append((self.now(), audio))

    async def send_mark(self, name: str) -> None:
        self.marks.append(name)

    async def clear(self) -> None:
        self.clears += 1

    async def hang_up(self) -> None:
        self.hung_up = True

    async def transfer(self, number: str) -> None:
        self.transferred_to = number


@dataclass
class MemoryObserver:
    utterances: list[UtteranceRecord] = field(default_factory=list)
    metrics: list[tuple[str, dict]] = field(default_factory=list)
    outcome: CallOutcome | None = None
    duration_ms: int = -1

    def utterance(self, call_sid: str, record: UtteranceRecord) -> None:
        self.utterances.append(record)

    def metric(self, call_sid: str, name: str, value: dict) -> None:
        self.metrics.append((name, value))

    def ended(self, call_sid: str, outcome: CallOutcome, duration_ms: int) -> None:
        self.outcome = outcome
        self.duration_ms = duration_ms
