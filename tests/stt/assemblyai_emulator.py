"""A local AssemblyAI Universal-Streaming (v3) server, scripted per test, speaking the documented wire protocol.

`/v3/ws` checks the `Authorization` header and the query (`sample_rate=8000`, `encoding=pcm_mulaw`, a known
`speech_model`), sends `Begin`, then reads binary μ-law messages, each of which must hold 50-1000 ms of audio (else
`Error` 3007 and close 3007, as the service does). A crude energy detector stands in for the model: the first voiced
message after silence gives `SpeechStarted`, every voiced message a partial `Turn` revealing one more scripted word,
and `end_silence_ms` of silence after speech the final turn — unformatted, then formatted when `format_turns` is
on — with word times in ms of received audio. `Terminate` gets `Termination`, then a normal close.

Misbehaviour on demand: refuse the key at the HTTP upgrade (403) or after accepting it (close 4001, as the service
does for a bad key); drop the connection after some audio, or close it normally without `Termination`; stall after
some audio (keep reading, answer nothing, not even `Terminate`). uvicorn runs it in a thread on a free loopback port,
with a clock of its own.
"""

from __future__ import annotations

import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from synclead.audio import mulaw
from tests.background_server import BackgroundServer

MODELS = {"universal-streaming-english", "universal-streaming-multilingual"}
VOICED_RMS = 500  # int16 RMS; line noise in the tests stays far below, speech far above


class DropConnection(Exception):
    """Raised in the endpoint so that the server cuts the connection without a normal close."""


@dataclass
class Behaviour:
    transcripts: deque[str] = field(default_factory=deque)  # one per caller turn, in order
    end_silence_ms: int = 300
    reject: Literal["", "http", "close"] = ""
    drop_after_ms: int | None = None
    end_after_ms: int | None = None  # a normal close (1000) with no Termination: the SDK reports nothing
    stall_after_ms: int | None = None


@dataclass
class Session:
    """What one connection sent, for the test to inspect."""

    headers: dict[str, str]
    query: dict[str, str]
    batch_ms: list[float] = field(default_factory=list)
    audio: bytearray = field(default_factory=bytearray)  # every μ-law byte received
    messages: list[dict[str, Any]] = field(default_factory=list)  # client JSON messages
    sent: list[dict[str, Any]] = field(default_factory=list)  # server JSON messages
    ended: bool = False


class AssemblyAIEmulator:
    def __init__(self, api_key: str = "aai-test-key") -> None:
        self.api_key = api_key
        self.behaviour = Behaviour()
        self.sessions: list[Session] = []
        self.app = Starlette(routes=[WebSocketRoute("/v3/ws", self._session)])
        self.port = 0
        self._served: BackgroundServer | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> AssemblyAIEmulator:
        self._served = BackgroundServer(self.app, "the AssemblyAI emulator", ws="websockets-sansio")
        self.port = self._served.start()
        return self

    def stop(self) -> None:
        if self._served is not None:
            self._served.stop()

    def reset(self, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self.sessions.clear()

    def wait_until_ended(self, count: int = 1, timeout_s: float = 3.0) -> None:
        """Block (test thread) until `count` sessions have ended on the server side."""
        deadline = time.monotonic() + timeout_s
        while sum(s.ended for s in self.sessions) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{sum(s.ended for s in self.sessions)} of {count} sessions ended")
            time.sleep(0.01)

    async def _session(self, websocket: WebSocket) -> None:
        behaviour = self.behaviour
        session = Session(dict(websocket.headers), dict(websocket.query_params))
        self.sessions.append(session)
        try:
            await self._serve(websocket, session, behaviour)
        finally:
            session.ended = True

    async def _serve(self, websocket: WebSocket, session: Session, behaviour: Behaviour) -> None:
        key_ok = session.headers.get("authorization") == self.api_key and behaviour.reject != "close"
        if behaviour.reject == "http":
            await websocket.close(code=1008)  # before accept: the upgrade is answered 403
            return
        await websocket.accept()
        if not key_ok:
            await websocket.close(code=4001, reason="Not Authorized")
            return
        problem = _query_problem(session.query)
        if problem:
            await self._send(websocket, session, {"type": "Error", "error_code": 3006, "error": problem})
            await websocket.close(code=3006, reason=problem)
            return
        formatted = session.query.get("format_turns", "").lower() == "true"
        await self._send(websocket, session, {"type": "Begin", "id": "sess-1", "expires_at": int(time.time()) + 600})

        turn = _TurnState()
        received_ms = 0.0
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            stalled = behaviour.stall_after_ms is not None and received_ms >= behaviour.stall_after_ms
            if message.get("text") is not None:
                body = json.loads(message["text"])
                session.messages.append(body)
                if body.get("type") == "Terminate" and not stalled:
                    seconds = round(received_ms / 1000)
                    await self._send(
                        websocket,
                        session,
                        {"type": "Termination", "audio_duration_seconds": seconds, "session_duration_seconds": seconds},
                    )
                    await websocket.close(code=1000)
                    return
                continue
            audio = message["bytes"]
            ms = len(audio) * 1000 / 8000
            session.batch_ms.append(ms)
            session.audio += audio
            if not 50 <= ms <= 1000:
                error = f"Audio chunk duration violation: {ms:g} ms"
                await self._send(websocket, session, {"type": "Error", "error_code": 3007, "error": error})
                await websocket.close(code=3007, reason="Audio chunk duration violation")
                return
            start_ms, received_ms = received_ms, received_ms + ms
            if behaviour.drop_after_ms is not None and received_ms > behaviour.drop_after_ms:
                raise DropConnection
            if behaviour.end_after_ms is not None and received_ms > behaviour.end_after_ms:
                await websocket.close(code=1000)
                return
            if stalled:
                continue
            for reply in turn.hear(audio, start_ms, received_ms, behaviour, formatted):
                await self._send(websocket, session, reply)

    @staticmethod
    async def _send(websocket: WebSocket, session: Session, body: dict[str, Any]) -> None:
        session.sent.append(body)
        await websocket.send_text(json.dumps(body))


class _TurnState:
    """The emulator's stand-in for the model: energy-based speech, scripted words."""

    def __init__(self) -> None:
        self.order = 0
        self.speech_start: float | None = None
        self.speech_end = 0.0
        self.voiced_batches = 0

    def hear(
        self, audio: bytes, start_ms: float, end_ms: float, behaviour: Behaviour, formatted: bool
    ) -> list[dict[str, Any]]:
        pcm = mulaw.decode(audio).astype(np.float64)
        voiced = float(np.sqrt(np.mean(pcm * pcm))) >= VOICED_RMS
        script = (behaviour.transcripts[0] if behaviour.transcripts else "").split()
        if voiced:
            replies: list[dict[str, Any]] = []
            if self.speech_start is None:
                self.speech_start = start_ms
                replies.append({"type": "SpeechStarted", "timestamp": int(start_ms)})
            self.speech_end = end_ms
            self.voiced_batches += 1
            heard = [w.lower().strip(".,?!") for w in script[: self.voiced_batches]]
            replies.append(self._turn(heard, end_of_turn=False, is_formatted=False))
            return replies
        if self.speech_start is None or end_ms - self.speech_end < behaviour.end_silence_ms:
            return []
        if behaviour.transcripts:
            behaviour.transcripts.popleft()
        replies = [self._turn([w.lower().strip(".,?!") for w in script], end_of_turn=True, is_formatted=False)]
        if formatted:
            replies.append(self._turn(script, end_of_turn=True, is_formatted=True))
        self.order += 1
        self.speech_start, self.voiced_batches = None, 0
        return replies

    def _turn(self, words: list[str], *, end_of_turn: bool, is_formatted: bool) -> dict[str, Any]:
        assert self.speech_start is not None
        span = max(self.speech_end - self.speech_start, 1.0) / max(len(words), 1)
        timed = [
            {
                "text": word,
                "start": int(self.speech_start + i * span),
                "end": int(self.speech_start + (i + 1) * span),
                "confidence": 0.9,
                "word_is_final": end_of_turn,
            }
            for i, word in enumerate(words)
        ]
        return {
            "type": "Turn",
            "turn_order": self.order,
            "turn_is_formatted": is_formatted,
            "end_of_turn": end_of_turn,
            "transcript": " ".join(words),
            "utterance": " ".join(words) if end_of_turn else "",
            "end_of_turn_confidence": 0.9 if end_of_turn else 0.1,
            "words": timed,
            "language_code": "en",
        }


def _query_problem(query: dict[str, str]) -> str:
    if query.get("sample_rate") != "8000":
        return f"sample_rate must be 8000 for this test, got {query.get('sample_rate')}"
    if query.get("encoding") != "pcm_mulaw":
        return f"encoding must be pcm_mulaw, got {query.get('encoding')}"
    if query.get("speech_model") not in MODELS:
        return f"unknown speech_model {query.get('speech_model')}"
    return ""
