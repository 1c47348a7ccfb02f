"""The small protocols through which the call engine meets the outside world.

The engine speaks one audio format inside: 8 kHz mono signed 16-bit PCM ("telephone band"), as numpy int16 arrays.
Carriers convert at their edge (Twilio: mu-law), providers convert at theirs (Whisper wants 16 kHz float).
Nothing here imports Django or a vendor SDK; implementations live in `synclead.providers`, `synclead.telephony`
and `synclead.gateway`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 8000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000

Pcm = npt.NDArray[np.int16]
Role = Literal["caller", "agent"]


@dataclass(frozen=True, slots=True)
class CallInfo:
    """What the carrier told us about a call when its media stream started."""

    call_sid: str
    stream_sid: str
    from_number: str
    to_number: str
    language: str
    organization: str


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    language: str
    # Mean log-probability, for deciding whether to trust it; 0.0 when the recogniser gives none.
    confidence: float = 0.0


@dataclass(slots=True)
class UtteranceRecord:
    """One thing said, in milliseconds of media time from the start of the stream."""

    role: Role
    text: str
    start_ms: int
    end_ms: int
    interrupted: bool = False


@dataclass(slots=True)
class AgentReply:
    """What the agent says next: a whole text, or sentences streamed as a language model writes them.

    With `stream`, the first sentence is spoken while the rest is still being generated; the agent may set
    `hang_up` while streaming (an end-call decision), and the session reads it once the stream is exhausted.
    """

    text: str = ""
    hang_up: bool = False
    stream: AsyncIterator[str] | None = None
    # Once this reply has played, hand the caller to a person at this number (E.164).
    transfer_to: str = ""


@dataclass(slots=True)
class CallOutcome:
    """What the agent gathered, handed over when the call ends."""

    reason: str
    lead: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    # Provider failures the agent met (its language model, say): {"provider", "reason", "permanent"}.
    provider_errors: list[dict] = field(default_factory=list)


class SpeechToText(Protocol):
    async def transcribe(self, audio: Pcm, language: str) -> Transcript:
        """Transcribe one caller turn of 8 kHz PCM. Must not block the event loop."""
        ...


@dataclass(frozen=True, slots=True)
class RecognizerActivity:
    """The recogniser is alive and hearing speech (a partial transcript, say); `text` may be empty."""

    text: str = ""


@dataclass(frozen=True, slots=True)
class RecognizerSpeechStarted:
    at_ms: int


@dataclass(frozen=True, slots=True)
class RecognizerTurnEnded:
    """The recogniser decided the caller's turn is over, with its final transcript."""

    text: str
    start_ms: int
    end_ms: int
    language: str = ""


RecognizerEvent = RecognizerActivity | RecognizerSpeechStarted | RecognizerTurnEnded


class RecognizerError(Exception):
    """The streaming recogniser failed. `permanent` (a bad key, say) is not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class RecognizerStream(Protocol):
    """One call's connection to a streaming recogniser that takes turns itself (AssemblyAI, say)."""

    def push(self, audio: Pcm) -> None:
        """Queue one inbound frame (8 kHz PCM); never blocks."""
        ...

    def events(self) -> AsyncIterator[RecognizerEvent]:
        """What the recogniser says, until the stream ends; raises `RecognizerError` when it fails."""
        ...

    async def close(self) -> None:
        """End the session cleanly (tell the vendor to stop billing)."""
        ...


class StreamingSpeechToText(Protocol):
    async def open(self, info: CallInfo) -> RecognizerStream: ...


class TextToSpeech(Protocol):
    def synthesize(self, text: str, language: str) -> AsyncIterator[Pcm]:
        """Yield 8 kHz PCM for `text`, sentence by sentence, as soon as each is ready."""
        ...


class VoiceActivity(Protocol):
    """Per-call voice activity detection: one speech probability per window."""

    window_ms: int

    def process(self, frame: Pcm) -> list[float]:
        """Feed one inbound frame; get a probability for each window it completed."""
        ...


class Agent(Protocol):
    """Decides what to say. One instance per call."""

    def greeting(self) -> str: ...

    async def reply(self, caller_text: str) -> AgentReply: ...

    def on_silence(self, count: int) -> AgentReply:
        """The caller said nothing for a while; `count` is how many times in a row."""
        ...

    def on_error(self) -> AgentReply:
        """Something failed while handling the caller's turn: what to say instead."""
        ...

    def farewell(self) -> AgentReply:
        """The call has gone on too long: the last thing to say before hanging up."""
        ...

    def outcome(self, reason: str) -> CallOutcome: ...


class MediaOutput(Protocol):
    """The carrier side of a call, as the engine drives it."""

    async def send_audio(self, audio: Pcm) -> None: ...

    async def send_mark(self, name: str) -> None: ...

    async def clear(self) -> None: ...

    async def hang_up(self) -> None:
        """End the call on the carrier (the agent said goodbye)."""
        ...

    async def transfer(self, number: str) -> None:
        """Connect the caller to a person at `number`; the stream ends."""
        ...


class CallObserver(Protocol):
    """Receives what happens in a call, as it happens. Must return at once (queue, never block)."""

    def utterance(self, call_sid: str, record: UtteranceRecord) -> None: ...

    def metric(self, call_sid: str, name: str, value: dict) -> None: ...

    def ended(self, call_sid: str, outcome: CallOutcome, duration_ms: int) -> None: ...
