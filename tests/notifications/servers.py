"""Local stand-ins for what notifications talk to: a mail server, a CRM webhook receiver, Twilio's Messages API."""

from __future__ import annotations

import base64
import email
import email.policy
import io
import socket
import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """Run an ASGI app on a loopback port in a thread; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the local server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# --- SMTP -----------------------------------------------------------------------------------------------------


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()


# --- Webhook receiver ---------------------------------------------------------------------------------------------


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class WebhookReceiver:
    """Records each request as received (raw body, headers) and answers with the next scripted status."""

    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    async def endpoint(self, request: Request) -> Response:
        self.received.append(Received(await request.body(), dict(request.headers)))
        status = self.statuses.pop(0) if self.statuses else 200
        return JSONResponse({"ok": status < 400}, status_code=status)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/crm/leads", self.endpoint, methods=["POST"])])


# --- Twilio Messages ----------------------------------------------------------------------------------------------


@dataclass
class TwilioMessages:
    """`POST /2010-04-01/Accounts/{sid}/Messages.json` as Twilio answers it: basic auth, form in, Message JSON out.

    Also the rest of Twilio's API a deployment pointed here (`TWILIO_API_URL`) uses around a call: the Call
    resource's update (the gateway hangs up after its goodbye) and a recording's media (voicemail is copied).
    """

    account_sid: str
    auth_token: str
    sent: list[dict[str, str]] = field(default_factory=list)
    # Bodies answered, with 201, to the next message requests instead of the Message JSON: a proxy gone wrong.
    garbled: list[str] = field(default_factory=list)
    # (CallSid, form) of every update of a call, in order.
    call_updates: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def _authorized(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    async def create(self, request: Request) -> Response:
        if not self._authorized(request):
            return _unauthorized()
        form = await _form(request)
        self.sent.append(form)
        if self.garbled:
            return Response(self.garbled.pop(0), status_code=201, media_type="text/html")
        sid = f"SM{len(self.sent):032d}"
        return JSONResponse(
            {
                "sid": sid,
                "account_sid": request.path_params["account_sid"],
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
                "status": "queued",
                "direction": "outbound-api",
                "num_segments": "1",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
            status_code=201,
        )

    async def update_call(self, request: Request) -> Response:
        if not self._authorized(request):
            return _unauthorized()
        sid = request.path_params["call_sid"]
        form = await _form(request)
        self.call_updates.append((sid, form))
        return JSONResponse(
            {
                "sid": sid,
                "account_sid": request.path_params["account_sid"],
                "status": form.get("Status", "in-progress"),
                "direction": "inbound",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json",
            }
        )

    async def recording(self, request: Request) -> Response:
        if not self._authorized(request):
            return _unauthorized()
        return Response(_silence_wav(seconds=1), media_type="audio/x-wav")

    def app(self) -> Starlette:
        accounts = "/2010-04-01/Accounts/{account_sid}"
        return Starlette(
            routes=[
                Route(f"{accounts}/Messages.json", self.create, methods=["POST"]),
                Route(f"{accounts}/Calls/{{call_sid}}.json", self.update_call, methods=["POST"]),
                Route(f"{accounts}/Recordings/{{recording_sid}}.wav", self.recording, methods=["GET"]),
            ]
        )


def _unauthorized() -> Response:
    return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)


def _silence_wav(seconds: int) -> bytes:
    # Twilio's recordings are 8 kHz 16-bit mono PCM.
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\0\0" * 8000 * seconds)
    return out.getvalue()


async def _form(request: Request) -> dict[str, str]:
    # Twilio's API takes url-encoded forms only.
    return {key: values[0] for key, values in parse_qs((await request.body()).decode()).items()}
