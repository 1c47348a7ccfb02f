"""A dashboard member's test call, spoken at the gateway's /browser/call socket as the page's script speaks it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import websockets
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model

from synclead.audio.resample import resample
from synclead.engine.ports import Pcm
from synclead.web.organizations.models import Organization
from tests.gateway.calls import STUCK_S, Gateway

PASSWORD = "a-long-passphrase-for-tests"
RATE = 48_000
FRAME = RATE // 50  # 20 ms, as the page's capture worklet sends
SILENCE = np.zeros(FRAME, dtype=np.int16)


async def member(username: str, org_slug: str = "demo") -> None:
    def make() -> None:
        user = get_user_model().objects.create_user(username, f"{username}@example.test", PASSWORD)
        Organization.objects.get(slug=org_slug).members.add(user)

    await sync_to_async(make)()


@dataclass
class Dashboard:
    """A logged-in member's browser: its cookies, and the test calls it asks for."""

    gateway: Gateway
    client: httpx.AsyncClient

    @classmethod
    @contextlib.asynccontextmanager
    async def logged_in(cls, gateway: Gateway, username: str):
        async with httpx.AsyncClient(base_url=gateway.url, follow_redirects=True) as client:
            await client.get("/login/")
            form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"]}
            await client.post("/login/", data=form)
            assert django_settings.SESSION_COOKIE_NAME in client.cookies, "logged in"
            yield cls(gateway, client)

    async def place(self, org_slug: str = "demo") -> httpx.Response:
        headers = {"X-CSRFToken": self.client.cookies["csrftoken"]}
        return await self.client.post(f"/org/{org_slug}/talk/start/", headers=headers)

    def headers(self, origin: str | None = None) -> dict[str, str]:
        cookies = "; ".join(f"{name}={value}" for name, value in self.client.cookies.items())
        return {"Cookie": cookies, "Origin": self.gateway.url if origin is None else origin}

    def connect(self, **headers: str):
        return websockets.connect(self.socket_url, additional_headers=self.headers() | headers)

    @property
    def socket_url(self) -> str:
        return self.gateway.url.replace("http", "ws", 1) + "/browser/call"


def start_message(placed: dict, sample_rate: int = RATE) -> str:
    return json.dumps(
        {"type": "start", "callSid": placed["callSid"], "token": placed["token"], "sampleRate": sample_rate}
    )


def frames_of(audio_8k: Pcm) -> list[bytes]:
    """8 kHz speech as the page would send it: at 48 kHz, in 20 ms frames of little-endian 16-bit samples."""
    audio = resample(audio_8k, 8000, RATE)
    audio = np.concatenate([audio, np.zeros(-len(audio) % FRAME, dtype=np.int16)])
    return [audio[i : i + FRAME].astype("<i2").tobytes() for i in range(0, len(audio), FRAME)]


@dataclass
class Page:
    """What the page does on an open socket: speaks frames in real time, echoes marks, keeps what the server says."""

    ws: Any
    events: list[dict] = field(default_factory=list)
    audio_bytes: int = 0
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    speech: list[bytes] = field(default_factory=list)

    async def listen(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in self.ws:
                if isinstance(message, bytes):
                    self.audio_bytes += len(message)
                else:
                    event = json.loads(message)
                    self.events.append(event)
                    if event["type"] == "mark":
                        await self.ws.send(json.dumps({"type": "mark", "name": event["name"]}))
                async with self.changed:
                    self.changed.notify_all()

    async def talk(self) -> None:
        """Silence, or the sentence queued by `say`, one 20 ms frame at a time."""
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await self.ws.send(self.speech.pop(0) if self.speech else SILENCE.tobytes())
                await asyncio.sleep(0.02)

    def say(self, frames: list[bytes]) -> None:
        self.speech.extend(frames)

    async def until(self, predicate, what: str) -> None:
        async with asyncio.timeout(STUCK_S):
            async with self.changed:
                await self.changed.wait_for(predicate)
        assert predicate(), what

    def of_type(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["type"] == kind]
