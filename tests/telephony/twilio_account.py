"""A local Twilio account for tests: its phone numbers and its recordings, behind Twilio's REST paths and auth.

The shipped emulator (synclead/simulator/twilio_rest.py) knows only calls; this one serves what number setup and
recording downloads use, answered in Twilio's shapes so the real twilio SDK and httpx clients are exercised.
It runs in a thread because the Django tests that use it are synchronous.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from synclead.simulator.servers import bind_free_port

BASE = "/2010-04-01/Accounts/{account}"


@dataclass
class TwilioAccount:
    sid: str
    token: str
    numbers: dict[str, dict[str, str]] = field(default_factory=dict)  # E.164 -> resource fields
    recordings: dict[str, bytes] = field(default_factory=dict)  # RE… -> WAV bytes
    updates: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (PN…, form) per update
    downloads: list[str] = field(default_factory=list)  # authorization headers seen on recordings

    def add_number(self, e164: str) -> str:
        sid = f"PN{len(self.numbers):032x}"
        self.numbers[e164] = {"sid": sid, "phone_number": e164, "voice_url": "", "status_callback": ""}
        return sid

    def app(self) -> Starlette:
        root = BASE.format(account="{account}")
        return Starlette(
            routes=[
                Route(f"{root}/IncomingPhoneNumbers.json", self._list, methods=["GET"]),
                Route(f"{root}/IncomingPhoneNumbers/{{sid}}.json", self._update, methods=["POST"]),
                Route(f"{root}/Recordings/{{sid}}.wav", self._recording, methods=["GET"]),
            ]
        )

    def _authorized(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return (
            scheme.lower() == "basic"
            and hmac.compare_digest(user, self.sid)
            and hmac.compare_digest(password, self.token)
            and request.path_params["account"] == self.sid
        )

    def _resource(self, fields: dict[str, str]) -> dict[str, Any]:
        return {
            "account_sid": self.sid,
            "uri": f"{BASE.format(account=self.sid)}/IncomingPhoneNumbers/{fields['sid']}.json",
            **fields,
        }

    async def _list(self, request: Request) -> Response:
        if not self._authorized(request):
            return _error(401, 20003, "Authenticate")
        wanted = request.query_params.get("PhoneNumber")
        found = [self._resource(n) for e164, n in self.numbers.items() if wanted in (None, e164)]
        uri = f"{BASE.format(account=self.sid)}/IncomingPhoneNumbers.json"
        return JSONResponse(
            {
                "incoming_phone_numbers": found,
                "uri": uri,
                "first_page_uri": uri,
                "next_page_uri": None,
                "previous_page_uri": None,
                "page": 0,
                "page_size": 50,
                "start": 0,
                "end": len(found),
            }
        )

    async def _update(self, request: Request) -> Response:
        if not self._authorized(request):
            return _error(401, 20003, "Authenticate")
        number = next((n for n in self.numbers.values() if n["sid"] == request.path_params["sid"]), None)
        if number is None:
            return _error(404, 20404, f"The requested resource {request.url.path} was not found")
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
        self.updates.append((number["sid"], form))
        for name, key in (
            ("VoiceUrl", "voice_url"),
            ("StatusCallback", "status_callback"),
            ("VoiceFallbackUrl", "voice_fallback_url"),
        ):
            if name in form:
                number[key] = form[name]
        return JSONResponse(self._resource(number))

    async def _recording(self, request: Request) -> Response:
        self.downloads.append(request.headers.get("authorization", ""))
        if not self._authorized(request):
            return _error(401, 20003, "Authenticate")
        audio = self.recordings.get(request.path_params["sid"])
        if audio is None:
            return _error(404, 20404, "The requested resource was not found")
        return Response(audio, media_type="audio/x-wav")


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "status": status}, status_code=status)


@contextlib.contextmanager
def serving_in_thread(app: Any) -> Iterator[str]:
    """Run `app` on a free loopback port in a thread until the block exits; yields its base URL."""
    sock = bind_free_port()
    host, port = sock.getsockname()[:2]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the local Twilio account did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
