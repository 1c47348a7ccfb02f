"""The media WebSocket at its edge: who may stream, and what bad frames do (nothing to anyone else).

A real gateway (`create_app`, see conftest.py) serves on a loopback port with the benchmark providers (fixed answers,
real VAD), and a Twilio-shaped client talks to it.
"""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
import websockets
from asgiref.sync import sync_to_async

from synclead.audio import mulaw
from synclead.simulator.stream import TwilioStream
from synclead.web.calls.models import Call
from tests.gateway.calls import STUCK_S, agent_frames, agent_frames_until_closed, closed_with, dial, signed

pytestmark = [pytest.mark.django_db(transaction=True)]

SILENCE = base64.b64encode(mulaw.silence()).decode()


async def test_unsigned_upgrade_is_refused_before_accepting(gateway):
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(gateway.media_url):
            pass
    assert refused.value.response.status_code == 403
    with pytest.raises(websockets.InvalidStatus):
        async with websockets.connect(gateway.media_url, additional_headers={"X-Twilio-Signature": "forged"}):
            pass


async def test_media_before_start_is_refused(gateway):
    call, stream, public = await dial(gateway)
    async with websockets.connect(gateway.media_url, additional_headers=signed(public)) as ws:
        await ws.send(stream.connected())
        await ws.send(stream.media(SILENCE))
        assert await closed_with(ws) == 1008
    await gateway.settled()
    row = await sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.stream_started_at is None and row.stream_token, "the call can still be streamed properly"


async def test_bad_token_is_refused_and_a_token_works_once(gateway):
    call, stream, public = await dial(gateway)
    media_url = gateway.media_url
    forged = TwilioStream(call.account_sid, call.call_sid, {**stream.custom_parameters, "token": "guess"})
    async with websockets.connect(media_url, additional_headers=signed(public)) as ws:
        await ws.send(forged.start())
        assert await closed_with(ws) == 1008

    async with websockets.connect(media_url, additional_headers=signed(public)) as first:
        await first.send(stream.start())
        greeting = json.loads(await asyncio.wait_for(first.recv(), STUCK_S))
        assert greeting["event"] == "media"
        replay = TwilioStream(call.account_sid, call.call_sid, stream.custom_parameters)
        async with websockets.connect(media_url, additional_headers=signed(public)) as second:
            await second.send(replay.start())
            assert await closed_with(second) == 1008
        await first.send(stream.stop())


async def test_malformed_first_frame_is_refused(gateway):
    _, _, public = await dial(gateway)
    async with websockets.connect(gateway.media_url, additional_headers=signed(public)) as ws:
        await ws.send("{not json")
        assert await closed_with(ws) == 1003


async def test_bad_frames_mid_call_are_skipped_and_other_calls_are_untouched(gateway):
    media_url = gateway.media_url
    a, stream_a, public_a = await dial(gateway)
    _, stream_b, public_b = await dial(gateway)
    async with (
        websockets.connect(media_url, additional_headers=signed(public_a)) as ws_a,
        websockets.connect(media_url, additional_headers=signed(public_b)) as ws_b,
    ):
        await ws_a.send(stream_a.start())
        await ws_b.send(stream_b.start())
        # Both greetings are playing before any audio goes in: each then goes on for as long as its caller's audio.
        await agent_frames(ws_a, 1)
        received_b = len(await agent_frames(ws_b, 1))
        garbage = [
            "{not json",
            json.dumps({"event": "media", "streamSid": stream_a.stream_sid, "media": {"payload": "%%%"}}),
            stream_a.media(base64.b64encode(b"\xff" * 40_000).decode()),  # far larger than any frame
            json.dumps({"event": "teleport"}),
            "x" * 40_000,  # over the parser's bound, under the socket's
        ]
        for i in range(100):
            if i % 20 == 0 and garbage:
                await ws_a.send(garbage.pop(0))
            await ws_a.send(stream_a.media(SILENCE))
            await ws_b.send(stream_b.media(SILENCE))
            await asyncio.sleep(0.005)
        await ws_a.send(stream_a.stop())
        await ws_b.send(stream_b.stop())
        # Everything B's agent sent for B's audio comes before the gateway closes B's stream.
        received_b += len(await agent_frames_until_closed(ws_b))
        assert received_b > 20, "call B kept receiving its agent's audio"
        # Read to A's close too: a client that stops reading never sees the close, and waits out its timeout.
        await agent_frames_until_closed(ws_a)
    await gateway.settled()
    row_a = await sync_to_async(Call.objects.get)(call_sid=a.call_sid)
    assert row_a.end_reason == "caller_hangup"
    assert await sync_to_async(row_a.utterances.filter(role="agent").exists)(), "the greeting was kept"


async def test_a_frame_over_the_socket_limit_drops_only_that_stream(gateway):
    media_url = gateway.media_url
    call, stream, public = await dial(gateway)
    _, other, other_public = await dial(gateway)
    async with (
        websockets.connect(media_url, additional_headers=signed(public), max_size=None) as ws,
        websockets.connect(media_url, additional_headers=signed(other_public)) as ws_other,
    ):
        await ws.send(stream.start())
        await ws_other.send(other.start())
        await agent_frames(ws, 1)  # the stream is up: the greeting plays
        await ws.send("x" * 200_000)
        assert await closed_with(ws) == 1009  # message too big
        await ws_other.send(other.media(SILENCE))
        assert json.loads(await asyncio.wait_for(ws_other.recv(), STUCK_S))["event"] in ("media", "mark")
        await ws_other.send(other.stop())
    await gateway.settled()
    row = await sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.end_reason == "stream_dropped"


async def test_too_many_bad_frames_end_the_call_with_what_was_said(gateway):
    call, stream, public = await dial(gateway)
    async with websockets.connect(gateway.media_url, additional_headers=signed(public)) as ws:
        await ws.send(stream.start())
        await agent_frames(ws, 1)  # the greeting is under way: there is something said to keep
        for _ in range(25):
            await ws.send(stream.media(SILENCE))
        for _ in range(30):
            await ws.send("garbage")
        assert await closed_with(ws) == 1003
    await gateway.settled()
    row = await sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.end_reason == "protocol_errors"
    assert await sync_to_async(row.utterances.exists)()
