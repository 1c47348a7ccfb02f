"""A loopback server that speaks OpenAI's `POST /v1/audio/speech`, for testing the SDK path without the network.

As documented: Bearer auth; JSON body `{model, voice, input, response_format}`; with `response_format="pcm"` the
body is raw 24 kHz signed 16-bit little-endian mono, sent chunked as it is "generated"; errors are JSON
`{"error": {"message", "type", "code"}}`. A `Behaviour` scripts the faults: a status code, a slow first byte,
a stall or a connection dropped midway. Chunks are an odd number of bytes so that samples straddle network reads.
uvicorn runs it in a thread on a free loopback port.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.background_server import BackgroundServer

RATE = 24_000


@dataclass
class Behaviour:
    status: int = 200  # anything else answers with that status and an OpenAI-style error body
    first_byte_delay_s: float = 0.0
    drop_after_bytes: int | None = None  # close the connection mid-body, after this many bytes
    stall_after_bytes: int | None = None  # go quiet mid-body for `stall_s`, after this many bytes
    stall_s: float = 0.0
    seconds: float = 1.0  # length of the audio for each request
    chunk_bytes: int = 961
    chunk_interval_s: float = 0.01


@dataclass
class SpeechRequest:
    body: dict[str, Any]
    authorization: str
    finished_at: float | None = None  # when the last byte left the server (monotonic)


class SpeechEmulator:
    def __init__(self, api_key: str = "sk-test") -> None:
        self.api_key = api_key
        self.behaviour = Behaviour()
        self.requests: list[SpeechRequest] = []
        self.app = Starlette(routes=[Route("/v1/audio/speech", self._speech, methods=["POST"])])
        self.port = 0
        self._served: BackgroundServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> SpeechEmulator:
        self._served = BackgroundServer(self.app, "the speech emulator")
        self.port = self._served.start()
        return self

    def stop(self) -> None:
        if self._served is not None:
            self._served.stop()

    def reset(self, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self.requests.clear()

    async def _speech(self, request: Request) -> Response:
        behaviour = self.behaviour
        record = SpeechRequest(body=await request.json(), authorization=request.headers.get("authorization", ""))
        self.requests.append(record)
        if record.authorization != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
        if behaviour.status != 200:
            return _error(behaviour.status, "The server had an error.", "server_error", None)
        if record.body.get("response_format") != "pcm" or not record.body.get("input"):
            return _error(400, "This test server only speaks pcm.", "invalid_request_error", None)
        return StreamingResponse(self._body(record, behaviour), media_type="audio/pcm")

    async def _body(self, record: SpeechRequest, behaviour: Behaviour) -> AsyncIterator[bytes]:
        t = np.arange(int(RATE * behaviour.seconds)) / RATE
        audio = (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2").tobytes()
        await asyncio.sleep(behaviour.first_byte_delay_s)
        for start in range(0, len(audio), behaviour.chunk_bytes):
            if behaviour.drop_after_bytes is not None and start >= behaviour.drop_after_bytes:
                # An exception inside a streamed body makes uvicorn abort the connection mid-chunking.
                raise ConnectionAbortedError("scripted drop")
            if behaviour.stall_after_bytes is not None and start >= behaviour.stall_after_bytes:
                behaviour.stall_after_bytes = None
                await asyncio.sleep(behaviour.stall_s)
            yield audio[start : start + behaviour.chunk_bytes]
            await asyncio.sleep(behaviour.chunk_interval_s)
        record.finished_at = time.monotonic()


def _error(status: int, message: str, kind: str, code: str | None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": code}}, status)
