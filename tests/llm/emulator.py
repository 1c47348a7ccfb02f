"""A local chat-completions server speaking Mistral's and OpenAI's documented streaming wire format, scripted per test.

`POST /v1/chat/completions` with `"stream": true` answers with server-sent events: one `data: {json}` line per
chunk (`choices[0].delta.content`, or `delta.tool_calls` pieces with index/id/function.name/arguments), a last chunk
with `finish_reason`, then `data: [DONE]`. The vendors' own SDKs are pointed at it, so what is tested is what they
send and parse. Each request takes the next scripted answer: a completion (text, tool calls, pauses, a stall, a
connection dropped mid-stream, a clean end without `[DONE]`, an error event), an HTTP error, or a function that
works out the completion from the request it answers.

The server runs with uvicorn in a thread on a free loopback port, so its clock is independent of the test's loop.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import string
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.background_server import BackgroundServer

Dialect = Literal["openai", "mistral"]


@dataclass
class ScriptedToolCall:
    name: str
    arguments: str  # JSON text, sent in `pieces` fragments
    pieces: int = 3
    id: str = ""


@dataclass
class Completion:
    text: Sequence[str] = ()  # content deltas, in order
    tool_calls: Sequence[ScriptedToolCall] = ()
    first_delay_s: float = 0.0  # before the first byte of the body: time to first token
    delay_s: float = 0.0  # between chunks
    # After this many content/tool chunks, wait for `release` (a stall, when the test never sets it).
    pause_after: int | None = None
    release: threading.Event = field(default_factory=threading.Event)
    break_after: int | None = None  # after this many chunks, drop the connection
    end_after: int | None = None  # after this many chunks, end the body cleanly: no finish_reason, no [DONE]
    error_after: int | None = None  # after this many chunks, an error event, then the end of the body
    finish_reason: str = ""  # default: "tool_calls" with tool calls, else "stop"


@dataclass
class Failure:
    status: int
    body: dict[str, Any] | None = None  # default: the dialect's usual error body for the status


# A scripted answer worked out from the request it answers (the messages and tools as the SDK sent them): a model
# that does what its context says, system prompt included.
Responder = Callable[[dict[str, Any]], Completion]


class DroppedConnection(Exception):
    """Raised inside the response body so that uvicorn cuts the connection mid-stream."""


class ChatEmulator:
    def __init__(self, dialect: Dialect = "openai", api_key: str = "test-key") -> None:
        self.dialect = dialect
        self.api_key = api_key
        self.script: deque[Completion | Failure | Responder] = deque()
        self.requests: list[dict[str, Any]] = []
        self.attempts = 0  # every request, refused ones included
        self.finished = 0  # bodies sent to the end
        self._ids = itertools.count(1)
        self._closing = False
        self.port = 0
        self._served: BackgroundServer | None = None
        self.app = Starlette(routes=[Route("/v1/chat/completions", self._completions, methods=["POST"])])

    # ---- lifecycle ---------------------------------------------------------------------------------------

    @property
    def server_url(self) -> str:
        """What the Mistral SDK takes (`server_url`): it adds /v1 itself."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What the OpenAI SDK takes (`base_url`)."""
        return f"{self.server_url}/v1"

    def start(self) -> ChatEmulator:
        self._served = BackgroundServer(self.app, "the chat emulator", timeout_graceful_shutdown=1)
        self.port = self._served.start()
        return self

    def stop(self) -> None:
        self._closing = True
        for item in self.script:
            if isinstance(item, Completion):
                item.release.set()
        if self._served is not None:
            self._served.stop()

    def reset(self, *items: Completion | Failure | Responder) -> None:
        self.script = deque(items)
        self.requests.clear()
        self.attempts = 0
        self.finished = 0

    # ---- the endpoint ------------------------------------------------------------------------------------

    async def _completions(self, request: Request) -> Response:
        self.attempts += 1
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return self._error(401)
        body = await request.json()
        self.requests.append(body)
        if not self.script:
            return self._error(500, "the emulator has no scripted answer left")
        item = self.script.popleft()
        if callable(item):
            item = item(body)
        if isinstance(item, Failure):
            return JSONResponse(item.body or self._error_body(item.status), status_code=item.status)
        if not body.get("stream"):
            return self._error(400, "this emulator only streams")
        return StreamingResponse(self._events(item, body.get("model", "")), media_type="text/event-stream")

    def _error(self, status: int, message: str = "") -> JSONResponse:
        return JSONResponse(self._error_body(status, message), status_code=status)

    def _error_body(self, status: int, message: str = "") -> dict[str, Any]:
        if self.dialect == "mistral":
            # What api.mistral.ai answers: a bare message and a request id.
            text = message or {401: "Unauthorized", 429: "Requests rate limit exceeded"}.get(status, "Internal error")
            return {"message": text, "request_id": secrets.token_hex(16)}
        kinds = {401: ("invalid_request_error", "invalid_api_key"), 429: ("requests", "rate_limit_exceeded")}
        kind, code = kinds.get(status, ("server_error", None))
        text = message or {401: "Incorrect API key provided."}.get(status, "The server had an error.")
        return {"error": {"message": text, "type": kind, "param": None, "code": code}}

    # ---- the stream --------------------------------------------------------------------------------------

    async def _events(self, script: Completion, model: str) -> AsyncIterator[bytes]:
        completion_id = f"chatcmpl-{next(self._ids)}"
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
            payload = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            }
            return f"data: {json.dumps(payload)}\n\n".encode()

        if script.first_delay_s:
            await asyncio.sleep(script.first_delay_s)
        yield chunk({"role": "assistant", "content": ""})
        for sent, piece in enumerate(self._pieces(script)):
            if sent == script.pause_after:
                # `release` is a threading.Event set from the test's thread: polled, not awaited.
                while not script.release.is_set() and not self._closing:  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
            if sent == script.break_after:
                raise DroppedConnection
            if sent == script.end_after:
                return
            if sent == script.error_after:
                error = {"error": {"message": "The model is overloaded.", "type": "server_error", "code": None}}
                yield f"data: {json.dumps(error)}\n\n".encode()
                return
            if sent and script.delay_s:
                await asyncio.sleep(script.delay_s)
            yield chunk(piece)
        finish = script.finish_reason or ("tool_calls" if script.tool_calls else "stop")
        usage = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
        yield chunk({"content": ""} if self.dialect == "mistral" else {}, finish, usage=usage)
        yield b"data: [DONE]\n\n"
        self.finished += 1

    def _pieces(self, script: Completion) -> list[dict[str, Any]]:
        """The deltas between the opening and the final chunk."""
        pieces: list[dict[str, Any]] = [{"content": text} for text in script.text]
        for index, call in enumerate(script.tool_calls):
            call_id = call.id or self._call_id()
            fragments = _split(call.arguments, call.pieces)
            for n, fragment in enumerate(fragments):
                if self.dialect == "mistral":
                    # Mistral's schema requires the name and arguments in every tool-call delta.
                    function = {"name": call.name, "arguments": fragment}
                    pieces.append(
                        {"content": "", "tool_calls": [{"id": call_id, "function": function, "index": index}]}
                    )
                elif n == 0:
                    function = {"name": call.name, "arguments": fragment}
                    pieces.append(
                        {"tool_calls": [{"index": index, "id": call_id, "type": "function", "function": function}]}
                    )
                else:
                    pieces.append({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
        return pieces

    def _call_id(self) -> str:
        if self.dialect == "mistral":  # nine letters and digits, as Mistral issues them
            return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(9))
        return f"call_{secrets.token_hex(12)}"


def _split(text: str, pieces: int) -> list[str]:
    size = max(1, -(-len(text) // max(pieces, 1)))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]
