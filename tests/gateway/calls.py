"""A Twilio-shaped client for the gateway the tests serve in their own event loop (see conftest.py).

The gateway answers as fast as the machine lets it and writes the database from a thread of its own, so a test
learns what it has done from events — a frame arrived, the stream closed, the handler returned, the writer drained —
never by waiting a while and hoping.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from dataclasses import dataclass
from typing import Any

import httpx
import websockets

from synclead.audio import mulaw
from synclead.config import get_settings
from synclead.engine.ports import Pcm
from synclead.gateway import database
from synclead.simulator.dialer import Dial, parse_twiml, stream_headers
from synclead.simulator.stream import TwilioStream
from synclead.telephony.twilio.signatures import SIGNATURE_HEADER, sign

ORG_NUMBER = "+33142685300"
# Only a guard against a gateway that never answers; a working one answers in milliseconds, even on a busy machine.
STUCK_S = 30


class MediaStreams:
    """ASGI middleware around the gateway: counts the media streams whose handler is still running."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.running = 0
        self._changed = asyncio.Condition()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        self.running += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.running -= 1
            async with self._changed:
                self._changed.notify_all()

    async def finished(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.running == 0)


@dataclass
class Gateway:
    url: str
    streams: MediaStreams

    @property
    def media_url(self) -> str:
        return self.url.replace("http", "ws", 1) + "/twilio/media"

    async def settled(self) -> None:
        """Wait until every stream's handler has returned, then until the database thread has done every write they
        queued (the call's end, its recording): after this, the rows are the gateway's last word on its calls."""
        async with asyncio.timeout(STUCK_S):
            await self.streams.finished()
        await asyncio.to_thread(database.drain)


async def dial(gateway: Gateway) -> tuple[Dial, TwilioStream, str]:
    """Ring the server as Twilio does; return the call, a stream speaker for it, and the stream's public URL.

    Twilio signs the public URL (https://synclead.test/...); the tests reach the same paths on loopback.
    """
    settings = get_settings()
    call = Dial(settings.twilio_account_sid, "+33612345678", ORG_NUMBER)
    form = call.form("ringing")
    signature = sign(f"{settings.public_url}/twilio/voice", form, settings.twilio_auth_token)
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{gateway.url}/twilio/voice", data=form, headers={SIGNATURE_HEADER: signature})
    assert response.status_code == 200, response.text
    twiml = parse_twiml(response.text)
    return call, TwilioStream(call.account_sid, call.call_sid, twiml.parameters), twiml.url


def signed(public_stream_url: str) -> dict[str, str]:
    return stream_headers(public_stream_url, get_settings().twilio_auth_token)


async def closed_with(ws) -> int:
    with contextlib.suppress(websockets.ConnectionClosed):
        async for _ in ws:
            pass
    return ws.close_code


async def agent_frames(ws, count: int) -> list[Pcm]:
    """Read the stream until the agent has sent `count` audio frames; return them."""
    frames: list[Pcm] = []
    async with asyncio.timeout(STUCK_S):
        while len(frames) < count:
            _keep_audio(await ws.recv(), frames)
    return frames


async def agent_frames_until_closed(ws) -> list[Pcm]:
    """Read the stream until the gateway closes it; return every audio frame the agent sent meanwhile."""
    frames: list[Pcm] = []
    async with asyncio.timeout(STUCK_S):
        async for message in ws:
            _keep_audio(message, frames)
    return frames


def _keep_audio(message: str | bytes, frames: list[Pcm]) -> None:
    event = json.loads(message)
    if event["event"] == "media":
        frames.append(mulaw.decode(base64.b64decode(event["media"]["payload"])))
