"""What the fault suites share: gateway processes, Twilio's side of a call, the rows the gateway wrote, a balancer.

Everything runs as in production — real processes, real sockets, a real database file or server — so that a fault
injected from outside (a lock, a killed backend, a full disk, a killed process) meets the product as it would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from synclead.simulator.dialer import Dial, post_signed, ring, stream_headers
from synclead.simulator.stream import FRAME_MS, SILENCE_FRAME, TwilioStream, b64
from tests.processes import Process, free_port, spawn, wait_ready

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_SID = "AC" + "6" * 32
SILENCE = b64(SILENCE_FRAME)


def base_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """A gateway's environment: its own data directory and database, text logs, this checkout importable, and no
    Twilio account: the gateway signs with a token of its own in the data directory (`local_token`), as the
    embedded default does, and `synclead call` run with the same directory signs with it too."""
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "synclead.web.settings",
        "SYNCLEAD_DATA_DIR": str(data_dir),
        "SYNCLEAD_DATABASE_URL": database_url,
        "SYNCLEAD_LOG_FORMAT": "text",
        "SYNCLEAD_REDIS_URL": "",
        "SYNCLEAD_WORKER": "inprocess",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
        "PYTHONUNBUFFERED": "1",
        "HF_HUB_OFFLINE": "1",
    }
    for name in ("PROMETHEUS_MULTIPROC_DIR", "SYNCLEAD_PUBLIC_URL", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID"):
        env.pop(name, None)
    return env | extra


def start_gateway(
    name: str, work: Path, env: dict[str, str], port: int | None = None, wrapper: Sequence[str] = ()
) -> Process:
    """`tests.faults.gateway` (the real gateway, numbering fakes) on `port`, ready to take calls."""
    port = port or free_port()
    command = [*wrapper, sys.executable, "-m", "tests.faults.gateway", "--port", str(port)]
    env = {"SYNCLEAD_PUBLIC_URL": f"http://127.0.0.1:{port}"} | env
    process = spawn(name, command, env, work, port)
    wait_ready(process)
    return process


def local_token(data_dir: Path) -> str:
    return (data_dir / "local_twilio_auth_token").read_text().strip()


class Rows:
    """The rows a gateway wrote, read with plain SQL from the same database file or server (as an operator would)."""

    def __init__(self, data_dir: Path, database_url: str) -> None:
        self.database_url = database_url
        self.sqlite_path = data_dir / "synclead.sqlite3"

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.database_url:
            import psycopg

            with psycopg.connect(self.database_url, autocommit=True) as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchall()
        with contextlib.closing(sqlite3.connect(self.sqlite_path, timeout=30)) as conn:
            return conn.execute(sql, params).fetchall()

    UTTERANCES = (
        "SELECT u.role, u.text, u.end_ms FROM calls_utterance u JOIN calls_call c ON c.id = u.call_id"
        " WHERE c.call_sid = ? ORDER BY u.id"
    )

    def utterances(self, call_sid: str) -> list[tuple[str, str]]:
        """(role, text) in the order the rows were written."""
        return [(role, text) for role, text, _ in self.query(self.UTTERANCES, call_sid)]

    def ends_ms(self, call_sid: str) -> list[int]:
        """When each utterance ended, in media time from the stream's start, in the order the rows were written."""
        return [end_ms for _, _, end_ms in self.query(self.UTTERANCES, call_sid)]

    def call(self, call_sid: str) -> dict[str, Any]:
        columns = ("end_reason", "status", "metrics", "recording_file", "recording_url", "report_ready_at", "id")
        [row] = self.query(f"SELECT {', '.join(columns)} FROM calls_call WHERE call_sid = ?", call_sid)
        call = dict(zip(columns, row, strict=True))
        if isinstance(call["metrics"], str):
            call["metrics"] = json.loads(call["metrics"])
        return call

    def lead_phone(self, call_id: int) -> str | None:
        rows = self.query("SELECT phone FROM leads_lead WHERE call_id = ?", call_id)
        return rows[0][0] if rows else None


@dataclass
class Caller:
    """Twilio's side of one call, placed directly on a gateway: the signed voice webhook, then the media stream on
    the media clock — the caller's sentence, a pause, again and again — with marks echoed as their audio plays, and
    a note of when each piece of the agent's audio and each of its sentence ends (marks) arrived."""

    base_url: str
    auth_token: str
    speech: list[str]
    to_number: str
    from_number: str = "+33612345678"
    pause_ms: int = 3000
    dial: Dial = field(init=False)
    heard_at: list[float] = field(default_factory=list)
    # When each agent utterance finished playing to the caller (its closing mark reached and echoed).
    played_at: list[float] = field(default_factory=list)
    turns_at: list[float] = field(default_factory=list)
    clears: int = 0
    closed_code: int | None = None
    # When the stream's media clock started (monotonic): utterance times in the database count from here.
    started: float = 0.0
    _ws: ClientConnection | None = None
    _stream: TwilioStream | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.dial = Dial(ACCOUNT_SID, self.from_number, self.to_number)

    @property
    def call_sid(self) -> str:
        return self.dial.call_sid

    async def connect(self) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            twiml = await ring(client, self.base_url, self.dial, self.auth_token)
        self._ws = await websockets.connect(
            twiml.url, additional_headers=stream_headers(twiml.url, self.auth_token), compression=None
        )
        self._stream = TwilioStream(ACCOUNT_SID, self.call_sid, twiml.parameters)
        await self._ws.send(self._stream.connected())
        await self._ws.send(self._stream.start())
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._talk())]

    def heard_between(self, start: float, end: float) -> int:
        """Agent audio messages that arrived in [start, end)."""
        return sum(1 for at in self.heard_at if start <= at < end)

    def sentences_between(self, start: float, end: float) -> int:
        """Agent sentences the caller heard to their end in [start, end)."""
        return sum(1 for at in self.played_at if start <= at < end)

    async def wait_for_sentences(self, count: int, timeout_s: float) -> None:
        """Until the caller has heard `count` agent sentences to their end."""
        deadline = time.monotonic() + timeout_s
        while len(self.played_at) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"heard {len(self.played_at)} agent sentence(s), expected {count}")
            await asyncio.sleep(0.05)

    async def _read(self) -> None:
        assert self._ws is not None and self._stream is not None
        with contextlib.suppress(websockets.ConnectionClosed):
            async for text in self._ws:
                received = self._stream.receive(text)
                now = time.monotonic()
                if received.event == "media":
                    self.heard_at.append(now)
                elif received.event == "clear":
                    self.clears += 1
                for echo in received.echoes:
                    await self._ws.send(echo)
        self.closed_code = self._ws.close_code

    async def _talk(self) -> None:
        """20 ms frames on an absolute clock; the caller starts speaking once the agent has finished a sentence."""
        assert self._ws is not None and self._stream is not None
        self.started = started = time.monotonic()
        pattern = [SILENCE] * (self.pause_ms // FRAME_MS) + self.speech
        tick = 0
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                tick += 1
                await asyncio.sleep(max(0.0, started + tick * FRAME_MS / 1000 - time.monotonic()))
                position = tick % len(pattern)
                if position == self.pause_ms // FRAME_MS:
                    self.turns_at.append(time.monotonic())
                messages = self._stream.tick(pattern[position])
                # Before the frame itself, the echoes of the marks its 20 ms of playout reached; the gateway closes
                # each utterance with a mark named "s<n>.end".
                for echo in messages[:-1]:
                    if json.loads(echo)["mark"]["name"].endswith(".end"):
                        self.played_at.append(time.monotonic())
                for message in messages:
                    await self._ws.send(message)

    async def hang_up(self) -> int:
        """The caller hangs up: `stop`, the socket closed, then Twilio's status callback."""
        assert self._ws is not None and self._stream is not None
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(websockets.ConnectionClosed):
            await self._ws.send(self._stream.stop())
        await self._ws.close()
        form = self.dial.form("completed") | {"CallDuration": str(self._stream.media_ms // 1000)}
        async with httpx.AsyncClient(timeout=10) as client:
            return (await post_signed(client, f"{self.base_url}/twilio/status", form, self.auth_token)).status_code


def frames_of_speech(text: str = "I would like to book a visit please.") -> list[str]:
    """A caller sentence in the offline voice, as 20 ms μ-law frames: real speech, because the gateway's voice
    activity detector is the real one and a tone would not open a turn."""
    from synclead.audio import mulaw
    from synclead.bench.audio import render_caller_speech
    from synclead.simulator.caller import frames_of

    return frames_of(mulaw.encode(asyncio.run(render_caller_speech(text=text))))


class Balancer:
    """A TCP balancer in front of gateways, as HAProxy is in a deployment: each new connection goes to the first
    gateway in the pool that accepts it. `down` takes one out of the pool, as a failed health check does (the
    connections it carries stay with it, and die with it)."""

    def __init__(self, ports: Sequence[int]) -> None:
        self.ports = list(ports)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Balancer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    def down(self, port: int) -> None:
        self.ports.remove(port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for port in self.ports:
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
            for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
                task = asyncio.create_task(_pipe(source, sink))
                self._pipes.add(task)
                task.add_done_callback(self._pipes.discard)
            return
        writer.close()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        # The other side's end, passed on: a dead gateway's connections end for its callers too.
        with contextlib.suppress(OSError, RuntimeError):
            sink.close()
