"""The scripted caller on the media stream: speaks each turn once the agent has finished its reply.

Time is media time: one 20 ms frame per tick of a clock running at `speed` times real time, and every wait
(the agent's quiet, a reply that never comes, the hang-up) is counted in frames, so a call at 4x speed makes the
same decisions as one in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from synclead.simulator.stream import FRAME_BYTES, FRAME_MS, SILENCE_FRAME, TwilioStream, b64

SILENCE_B64 = b64(SILENCE_FRAME)
GREETING = -1  # the index `unanswered` uses for "the agent never greeted"


@dataclass(frozen=True, slots=True)
class Pacing:
    speed: float = 1.0
    # The agent has finished its reply once its audio has played out and nothing more came for this long.
    quiet_ms: int = 800
    # An agent that has said nothing this long after the caller's turn is not going to: go on with the script.
    reply_timeout_ms: int = 15_000
    # After the last turn, this much quiet without a hang-up ends the call from the caller's side.
    hangup_wait_ms: int = 20_000
    max_call_ms: int = 300_000

    def __post_init__(self) -> None:
        if not 0.1 <= self.speed <= 20:
            raise ValueError(f"speed must be between 0.1 and 20, got {self.speed}")


class Conversation:
    """Which frame to send next: the caller's speech, or silence while the agent talks. No I/O, so it is tested
    frame by frame."""

    def __init__(self, turns: Sequence[Sequence[str]], pacing: Pacing) -> None:
        self.turns = turns
        self.pacing = pacing
        self.media_ms = 0
        self.turns_spoken = 0
        self.agent_spoke = False
        self.unanswered: list[int] = []
        self.end_reason = ""
        self._speech: Sequence[str] | None = None
        self._position = 0
        self._waited_ms = 0
        self._quiet_ms = 0
        self._heard = False

    @property
    def speaking(self) -> bool:
        return self._speech is not None

    def next_frame(self, agent_playing: bool) -> str | None:
        """The base64 payload of the next inbound frame; None once the caller is done with the call."""
        self.media_ms += FRAME_MS
        if self.media_ms > self.pacing.max_call_ms:
            self.end_reason = "max-duration"
            return None
        if self._speech is None and not self._listen(agent_playing):
            return None if self.end_reason else SILENCE_B64
        assert self._speech is not None
        payload = self._speech[self._position]
        self._position += 1
        if self._position >= len(self._speech):
            self._speech, self._waited_ms, self._quiet_ms, self._heard = None, 0, 0, False
        return payload

    def _listen(self, agent_playing: bool) -> bool:
        """Track the agent; start the next turn when it is our go. Returns whether a turn just started."""
        self._waited_ms += FRAME_MS
        if agent_playing:
            self._heard = self.agent_spoke = True
            self._quiet_ms = 0
        else:
            self._quiet_ms += FRAME_MS
        if self.turns_spoken >= len(self.turns):
            if self._quiet_ms >= self.pacing.hangup_wait_ms:
                self.end_reason = "no-hangup"
            return False
        replied = self._heard and self._quiet_ms >= self.pacing.quiet_ms
        gave_up = not self._heard and self._waited_ms >= self.pacing.reply_timeout_ms
        if not (replied or gave_up):
            return False
        if gave_up:
            self.unanswered.append(self.turns_spoken - 1 if self.turns_spoken else GREETING)
        self._speech, self._position = self.turns[self.turns_spoken], 0
        self.turns_spoken += 1
        return True


@dataclass(slots=True)
class CallerResult:
    # "hangup" (the server ended the call through the REST API), "server-closed" (it closed the WebSocket),
    # "no-hangup", "max-duration", or "cancelled".
    ended_by: str
    media_ms: int
    turns_spoken: int
    # The call ended while the caller was still saying its last turn (the agent hung up first).
    cut_off: bool
    agent_spoke: bool
    unanswered: list[int]
    agent_heard_ms: int
    agent_cleared_ms: int
    # Agent audio still queued when the call ended: a goodbye cut short by the hang-up shows up here.
    agent_unplayed_ms: int
    clears: int
    marks: int
    errors: list[str] = field(default_factory=list)
    # When the server closed the stream: its close code (1006: the connection was lost without a close frame, as
    # when the process dies) and reason.
    close_code: int | None = None
    close_reason: str = ""


@dataclass(slots=True)
class _Counters:
    clears: int = 0
    marks: int = 0


def frames_of(mulaw: bytes) -> list[str]:
    """μ-law audio as base64 20 ms frames, the last one padded with silence."""
    frames = []
    for start in range(0, len(mulaw), FRAME_BYTES):
        chunk = mulaw[start : start + FRAME_BYTES]
        frames.append(b64(chunk.ljust(FRAME_BYTES, SILENCE_FRAME[:1])))
    return frames


async def _receive(ws: ClientConnection, stream: TwilioStream, counters: _Counters) -> None:
    with contextlib.suppress(ConnectionClosed):
        async for text in ws:
            received = stream.receive(text)
            if received.event == "clear":
                counters.clears += 1
            elif received.event == "mark":
                counters.marks += 1
            for echo in received.echoes:
                await ws.send(echo)


async def converse(
    ws: ClientConnection,
    stream: TwilioStream,
    conversation: Conversation,
    hung_up: asyncio.Event | None = None,
) -> CallerResult:
    """Run the stream from `connected` to `stop`; the WebSocket is closed on return."""
    counters = _Counters()
    await ws.send(stream.connected())
    await ws.send(stream.start())
    receiver = asyncio.create_task(_receive(ws, stream, counters))
    loop = asyncio.get_running_loop()
    period = FRAME_MS / 1000 / conversation.pacing.speed
    next_at = loop.time()
    ended_by = "cancelled"
    try:
        while True:
            if hung_up is not None and hung_up.is_set():
                ended_by = "hangup"
                break
            if receiver.done():
                ended_by = "server-closed"
                break
            payload = conversation.next_frame(stream.playout.pending > 0)
            if payload is None:
                ended_by = conversation.end_reason
                break
            for message in stream.tick(payload):
                await ws.send(message)
            next_at += period
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -1.0:
                # The process stalled for over a second: carry on from now rather than burst the backlog.
                next_at = loop.time()
    except ConnectionClosed:
        ended_by = "server-closed"
    finally:
        unplayed = stream.playout.pending
        # Read before our own close below, which would otherwise stand in for the server's.
        close_code, close_reason = (ws.close_code, ws.close_reason or "") if ended_by == "server-closed" else (None, "")
        # Twilio tells the server the stream is over, then closes the socket.
        with contextlib.suppress(ConnectionClosed):
            await ws.send(stream.stop())
        await ws.close()
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await receiver
    playout = stream.playout
    return CallerResult(
        ended_by=ended_by,
        media_ms=conversation.media_ms,
        turns_spoken=conversation.turns_spoken,
        cut_off=conversation.speaking,
        agent_spoke=conversation.agent_spoke,
        unanswered=conversation.unanswered,
        agent_heard_ms=playout.played // 8,
        agent_cleared_ms=playout.dropped // 8,
        agent_unplayed_ms=unplayed // 8,
        clears=counters.clears,
        marks=counters.marks,
        errors=list(stream.errors),
        close_code=close_code,
        close_reason=close_reason,
    )
