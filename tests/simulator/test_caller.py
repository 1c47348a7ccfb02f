"""The simulated caller: when it speaks, and how it treats the server's media, marks and clears (as Twilio)."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from websockets.asyncio.server import ServerConnection, serve

from synclead.simulator.caller import GREETING, SILENCE_B64, Conversation, Pacing, converse, frames_of
from synclead.simulator.stream import TwilioStream, b64
from synclead.telephony.twilio import messages

SPEECH = [b64(bytes([0x10]) * 160)] * 3  # three frames of "speech"
PACING = Pacing(quiet_ms=100, reply_timeout_ms=1_000, hangup_wait_ms=400, max_call_ms=60_000)


def run(conversation: Conversation, agent: list[bool]) -> list[str | None]:
    return [conversation.next_frame(playing) for playing in agent]


def test_frames_are_whole_and_padded_with_silence() -> None:
    frames = frames_of(b"\x00" * 200)
    assert [len(base64.b64decode(f)) for f in frames] == [160, 160]
    assert base64.b64decode(frames[1]) == b"\x00" * 40 + b"\xff" * 120


def test_speaks_once_the_agent_has_finished_and_been_quiet() -> None:
    conversation = Conversation([SPEECH], PACING)
    frames = run(conversation, [True] * 10 + [False] * 4)
    assert frames == [SILENCE_B64] * 14  # the turn starts on the fifth quiet frame: 100 ms of quiet
    assert conversation.next_frame(False) == SPEECH[0]
    assert run(conversation, [True, True]) == SPEECH[1:]  # the caller finishes its turn even over the agent
    assert conversation.turns_spoken == 1 and conversation.unanswered == []


def test_an_agent_that_never_speaks_times_out() -> None:
    conversation = Conversation([SPEECH, SPEECH], PACING)
    frames = run(conversation, [False] * 50)
    assert frames[-1] == SPEECH[0]  # after 1 s of nothing, the caller goes on
    run(conversation, [False] * 2 + [False] * 50)
    assert conversation.unanswered == [GREETING, 0]
    assert not conversation.agent_spoke


def test_after_the_last_turn_it_waits_for_the_hang_up_then_gives_up() -> None:
    conversation = Conversation([SPEECH], PACING)
    run(conversation, [True] + [False] * 5 + [False] * 3)  # greeting, quiet, then the turn
    assert conversation.turns_spoken == 1
    frames = run(conversation, [True] * 5 + [False] * 20)
    assert frames[-1] is None and conversation.end_reason == "no-hangup"


def test_max_duration() -> None:
    conversation = Conversation([SPEECH], Pacing(max_call_ms=100))
    assert run(conversation, [True] * 6)[-1] is None
    assert conversation.end_reason == "max-duration"


def test_speed_is_bounded() -> None:
    with pytest.raises(ValueError, match="speed"):
        Pacing(speed=0)


# --- against a WebSocket server --------------------------------------------------------------------------------


class FakeServer:
    """Plays the agent: sends audio and marks, then a clear, and records what the caller sends back."""

    def __init__(self, hang_up: asyncio.Event) -> None:
        self.hang_up = hang_up
        self.inbound: list[messages.Message] = []
        self.log: list[tuple[str, int]] = []  # (event, media frames received so far)
        self.done = asyncio.Event()

    async def expect_mark(self, ws: ServerConnection, name: str) -> int:
        """Read until the mark comes back; return how many media frames came before it."""
        frames = 0
        while True:
            message = messages.parse(await ws.recv())
            self.inbound.append(message)
            if isinstance(message, messages.Media):
                frames += 1
            elif isinstance(message, messages.Mark):
                assert message.name == name
                return frames

    async def handler(self, ws: ServerConnection) -> None:
        for _ in range(2):
            self.inbound.append(messages.parse(await ws.recv()))
        start = self.inbound[1]
        assert isinstance(start, messages.Start)
        sid = start.stream_sid
        await ws.send(messages.media_message(sid, b"\x00" * 800))  # 100 ms
        await ws.send(messages.mark_message(sid, "m1"))
        self.log.append(("m1", await self.expect_mark(ws, "m1")))
        await ws.send(messages.media_message(sid, b"\x00" * 16_000))  # 2 s
        await ws.send(messages.mark_message(sid, "m2"))
        await ws.send(messages.mark_message(sid, "m3"))
        self.log.append(("before-clear", await self.count_frames(ws, 3)))
        await ws.send(messages.clear_message(sid))
        self.log.append(("m2", await self.expect_mark(ws, "m2")))
        self.log.append(("m3", await self.expect_mark(ws, "m3")))
        self.hang_up.set()
        async for frame in ws:
            self.inbound.append(messages.parse(frame))
        self.done.set()

    async def count_frames(self, ws: ServerConnection, n: int) -> int:
        for _ in range(n):
            message = messages.parse(await ws.recv())
            assert isinstance(message, messages.Media), message
            self.inbound.append(message)
        return n


async def test_marks_echo_after_playout_and_all_at_once_on_clear() -> None:
    from websockets.asyncio.client import connect

    hang_up = asyncio.Event()
    server = FakeServer(hang_up)
    async with serve(server.handler, "127.0.0.1", 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        stream = TwilioStream("AC" + "1" * 32, "CA" + "2" * 32, {"token": "t0k"})
        conversation = Conversation([SPEECH], Pacing(speed=2, reply_timeout_ms=60_000))
        async with connect(f"ws://127.0.0.1:{port}", compression=None) as ws:
            result = await asyncio.wait_for(converse(ws, stream, conversation, hang_up), 20)
        await asyncio.wait_for(server.done.wait(), 5)

    connected, start = server.inbound[:2]
    assert connected == messages.Connected("Call", "1.0.0")
    assert isinstance(start, messages.Start)
    assert start.custom_parameters == {"token": "t0k"} and start.tracks == ("inbound",)
    assert (start.encoding, start.sample_rate, start.channels) == ("audio/x-mulaw", 8000, 1)
    events = dict(server.log)
    # 100 ms of audio plays in five 20 ms ticks; one tick of slack for the frame in flight.
    assert 4 <= events["m1"] <= 6
    # On clear, Twilio echoes every pending mark at once: no media frame in between.
    assert events["m2"] <= 1 and events["m3"] == 0
    media = [m for m in server.inbound if isinstance(m, messages.Media)]
    assert [m.chunk for m in media] == list(range(1, len(media) + 1))
    assert [m.timestamp_ms for m in media] == [20 * i for i in range(len(media))]
    assert all(len(m.payload) == 160 and m.track == "inbound" for m in media)
    assert isinstance(server.inbound[-1], messages.Stop)
    assert server.inbound[-1].call_sid == "CA" + "2" * 32
    assert result.ended_by == "hangup"
    assert result.clears == 1 and result.marks == 3
    assert result.agent_heard_ms >= 100 and result.agent_cleared_ms > 1500
    assert result.errors == []


def test_malformed_server_messages_are_counted_not_fatal() -> None:
    stream = TwilioStream("AC" + "1" * 32, "CA" + "2" * 32, {})
    assert stream.receive("not json").event == "error"
    assert stream.receive(json.dumps({"event": "media", "streamSid": "MZother", "media": {"payload": ""}})).event == (
        "error"
    )
    assert stream.receive(messages.media_message(stream.stream_sid, b"\x01" * 320)).samples == 320
    assert len(stream.errors) == 2 and stream.errors[0].startswith("31924")
