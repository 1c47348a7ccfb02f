"""A deployment in miniature, from real processes: gateways behind HAProxy, a post-call worker, Redis, one database.

Each gateway is `python -m synclead.bench.server` (the real gateway with instant benchmark providers, so the test
measures the service and not speech models); the worker is `synclead worker`; callers behave toward the balancer as
Twilio does. What the processes wrote is read back with `synclead shell`, as an operator would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from synclead.bench.server import BENCH_NUMBER
from synclead.simulator.dialer import Dial, ring, stream_headers
from synclead.simulator.stream import FRAME_BYTES, FRAME_MS, SILENCE_FRAME, TwilioStream, b64
from synclead.telephony.twilio.signatures import SIGNATURE_HEADER, sign
from tests.processes import Process, free_port, wait_ready

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "cluster-auth-token"
STALE_S = 4
SILENCE = b64(SILENCE_FRAME)


def redis_url() -> str | None:
    """A Redis database of its own on the machine's Redis, or None when there is none."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            if not sock.recv(16).startswith(b"+PONG"):
                return None
    except OSError:
        return None
    return f"redis://127.0.0.1:6379/{secrets.randbelow(12) + 3}"


class Cluster:
    def __init__(self, work: Path, database_url: str, redis: str | None, rest_url: str) -> None:
        self.work = work
        self.balancer_port = free_port()
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "synclead.web.settings",
            "SYNCLEAD_DATA_DIR": str(work / "data"),
            "SYNCLEAD_DATABASE_URL": database_url,
            "SYNCLEAD_PUBLIC_URL": self.balancer_url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_API_URL": rest_url,
            "SYNCLEAD_WORKER": "external",
            "SYNCLEAD_REDIS_URL": redis or "",
            "SYNCLEAD_CALL_STALE_S": str(STALE_S),
            "SYNCLEAD_DRAIN_TIMEOUT_S": "60",
            "SYNCLEAD_LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.gateways: dict[str, Process] = {}
        self.others: list[Process] = []

    @property
    def balancer_url(self) -> str:
        return f"http://127.0.0.1:{self.balancer_port}"

    def _spawn(self, name: str, command: list[str], port: int = 0) -> Process:
        log = self.work / f"{name}.log"
        popen = subprocess.Popen(command, env=self.env, cwd=self.work, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        return Process(name, popen, log, port)

    def start_gateway(self, name: str, workers: int = 1) -> Process:
        port = free_port()
        command = [sys.executable, "-m", "synclead.bench.server", "--port", str(port), "--workers", str(workers)]
        command += ["--data-dir", self.env["SYNCLEAD_DATA_DIR"], "--stt-delay-ms", "20", "--tts-delay-ms", "20"]
        process = self._spawn(f"gateway-{name}", command, port)
        self.gateways[name] = process
        wait_ready(process)
        return process

    def start_worker(self) -> Process:
        process = self._spawn("worker", [sys.executable, "-m", "synclead.cli", "worker"])
        self.others.append(process)
        return process

    def start_balancer(self) -> Process:
        """HAProxy in front of the gateways: the least busy takes each connection; /readyz says who may."""
        haproxy = shutil.which("haproxy")
        assert haproxy, "haproxy is needed (apt-get install haproxy)"
        servers = "\n".join(
            f"    server {name} 127.0.0.1:{gateway.port} check inter 300ms fall 1 rise 2"
            for name, gateway in self.gateways.items()
        )
        config = self.work / "haproxy.cfg"
        config.write_text(
            f"""global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
frontend calls
    bind 127.0.0.1:{self.balancer_port}
    default_backend gateways
backend gateways
    # Media streams last minutes: spread them by how many each gateway carries, not by turn.
    balance leastconn
    option httpchk GET /readyz
    http-check expect status 200
    http-response set-header X-Gateway %s
{servers}
"""
        )
        process = self._spawn("haproxy", [haproxy, "-db", "-f", str(config)], self.balancer_port)
        self.others.append(process)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.balancer_url}/readyz", timeout=1).status_code == 200:
                    return process
            time.sleep(0.1)
        raise AssertionError(f"haproxy did not come up: {process.tail()}")

    def query(self, code: str) -> Any:
        """Run `code` (which must bind `result`) in `synclead shell` against the cluster's database."""
        program = f"import json\n{code}\nprint('RESULT=' + json.dumps(result, default=str))"
        done = subprocess.run(
            [sys.executable, "-m", "synclead.cli", "shell", "-c", program],
            env=self.env,
            cwd=self.work,
            capture_output=True,
            text=True,
            timeout=60,
        )
        for line in done.stdout.splitlines():
            if line.startswith("RESULT="):
                return json.loads(line.removeprefix("RESULT="))
        raise AssertionError(f"query failed: {done.stdout}\n{done.stderr}")

    def calls(self) -> dict[str, dict[str, Any]]:
        """Every call's row, its utterances and its lead, by CallSid."""
        return self.query(
            "from synclead.web.calls.models import Call\n"
            "result = {c.call_sid: {'end_reason': c.end_reason, 'status': c.status,"
            " 'report_ready': c.report_ready_at is not None,"
            " 'utterances': list(c.utterances.order_by('start_ms').values_list('role', 'text')),"
            " 'lead_phone': getattr(getattr(c, 'lead', None), 'phone', None)}"
            " for c in Call.objects.prefetch_related('utterances').select_related('lead')}"
        )

    def stop(self) -> None:
        for process in [*self.gateways.values(), *self.others]:
            process.kill()


@dataclass
class Caller:
    """One call placed as Twilio places it: the voice webhook through the balancer, then the media stream, a
    sentence spoken every couple of seconds, marks echoed, and at the end the status callback (or, when the stream
    dies under it, the TwiML after <Connect>: the voicemail)."""

    index: int
    speech: list[str]
    dial: Dial = field(init=False)
    gateway: str = ""
    frames_received: int = 0
    received_at: list[float] = field(default_factory=list)
    closed_by_server: int | None = None
    after_connect: tuple[str, ...] = ()
    _ws: ClientConnection | None = None
    _stream: TwilioStream | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _started: float = 0.0

    def __post_init__(self) -> None:
        self.dial = Dial(ACCOUNT_SID, f"+336{self.index:08d}", BENCH_NUMBER)

    @property
    def call_sid(self) -> str:
        return self.dial.call_sid

    async def connect(self, client: httpx.AsyncClient, balancer: str) -> None:
        twiml = await ring(client, balancer, self.dial, AUTH_TOKEN)
        self.after_connect = twiml.after
        self._ws = await websockets.connect(
            twiml.url, additional_headers=stream_headers(twiml.url, AUTH_TOKEN), compression=None
        )
        self.gateway = self._ws.response.headers.get("X-Gateway", "")
        self._stream = TwilioStream(ACCOUNT_SID, self.call_sid, twiml.parameters)
        await self._ws.send(self._stream.connected())
        await self._ws.send(self._stream.start())
        self._started = time.monotonic()
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._talk())]

    def heard_since(self, moment: float) -> int:
        return sum(1 for at in self.received_at if at > moment)

    async def _read(self) -> None:
        assert self._ws is not None and self._stream is not None
        try:
            async for text in self._ws:
                received = self._stream.receive(text)
                if received.event == "media":
                    self.frames_received += received.samples // FRAME_BYTES
                    self.received_at.append(time.monotonic())
                for echo in received.echoes:
                    await self._ws.send(echo)
        except websockets.ConnectionClosed:
            pass
        if self._ws.close_code is not None and self._ws.close_code != 1000:
            self.closed_by_server = self._ws.close_code
        elif self._ws.close_code == 1000 and self.closed_by_server is None:
            self.closed_by_server = 1000

    async def _talk(self) -> None:
        """20 ms frames on an absolute clock: a sentence, then two seconds of silence, again and again."""
        assert self._ws is not None and self._stream is not None
        pattern = self.speech + [SILENCE] * (2000 // FRAME_MS)
        tick = 0
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                tick += 1
                await asyncio.sleep(max(0.0, self._started + tick * FRAME_MS / 1000 - time.monotonic()))
                for message in self._stream.tick(pattern[tick % len(pattern)]):
                    await self._ws.send(message)

    async def hang_up(self, client: httpx.AsyncClient, balancer: str) -> int:
        """The caller hangs up: `stop`, the socket closed, then Twilio's status callback."""
        assert self._ws is not None and self._stream is not None
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(websockets.ConnectionClosed):
            await self._ws.send(self._stream.stop())
        await self._ws.close()
        return await self.status_callback(client, balancer)

    async def stream_lost(self, client: httpx.AsyncClient, balancer: str) -> None:
        """What Twilio does when the stream dies under a call: run the verbs after <Connect> — the apology and
        <Record> — so the caller leaves a voicemail, then the recording and status callbacks."""
        assert "Record" in self.after_connect, f"no voicemail after <Connect>: {self.after_connect}"
        for task in self._tasks:
            task.cancel()
        form = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": self.call_sid,
            "RecordingSid": "RE" + secrets.token_hex(16),
            "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE1",
            "RecordingStatus": "completed",
            "RecordingDuration": "7",
        }
        response = await post_signed(client, balancer, "/twilio/recording", form)
        assert response.status_code == 204, response.text
        assert await self.status_callback(client, balancer) == 204

    async def status_callback(self, client: httpx.AsyncClient, balancer: str) -> int:
        duration = round(time.monotonic() - self._started)
        form = self.dial.form("completed") | {"CallDuration": str(duration)}
        return (await post_signed(client, balancer, "/twilio/status", form)).status_code


async def post_signed(
    client: httpx.AsyncClient, base: str, path: str, form: dict[str, str], public: str = ""
) -> httpx.Response:
    """POST as Twilio does: signed over the public URL (the balancer's), sent to `base`, which may be one gateway."""
    headers = {SIGNATURE_HEADER: sign(f"{public or base}{path}", form, AUTH_TOKEN)}
    return await client.post(f"{base}{path}", data=form, headers=headers)
