"""AssemblyAI Universal-Streaming (v3): a recogniser that hears the call live and decides when the caller's turn ends.

Built on the official SDK's asyncio client, `AsyncStreamingClient` (assemblyai >= 1.8). The thread-based
`StreamingClient` would have needed two threads per call and a hop back onto the loop for every message; the
asyncio client runs its read and write loops as tasks on the engine's own loop, already maps handshake rejections
(HTTP status) and close codes to a `StreamingError.code`, sends `Terminate` and waits for `Termination` on
`disconnect(terminate=True)`, and builds the documented URL and `Authorization` header. So the SDK serves an asyncio
engine well, and the wire protocol is not reimplemented here. Two gaps, closed on our side: `connect()` returns
before `Begin` (we wait for it, so `open` fails fast on a bad key), and a close with code 1000 and no `Termination`
is reported to nobody (we notice because `stream()` returns once the client has stopped, and call it a drop).

Twilio's audio is μ-law already; encoding the engine's PCM back with G.711 gives Twilio's bytes again, so the
session is opened with `encoding=pcm_mulaw&sample_rate=8000` and nothing is resampled. The server refuses messages
under 50 ms (error 3007), so 20 ms frames are batched to 100 ms. No `KeepAlive` is sent: the engine pushes a frame
every 20 ms, silence included, and audio is what keeps a v3 session alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import ipaddress
from collections.abc import AsyncIterator, Sequence
from urllib.parse import urlsplit

from assemblyai.streaming.v3 import (
    AsyncStreamingClient,
    BeginEvent,
    Encoding,
    SpeechModel,
    SpeechStartedEvent,
    StreamingClientOptions,
    StreamingError,
    StreamingEvents,
    StreamingParameters,
    TerminationEvent,
    TurnEvent,
)

from synclead.audio import mulaw
from synclead.engine.ports import (
    SAMPLE_RATE,
    CallInfo,
    Pcm,
    RecognizerActivity,
    RecognizerError,
    RecognizerEvent,
    RecognizerSpeechStarted,
    RecognizerTurnEnded,
)

DEFAULT_HOST = "streaming.assemblyai.com"
MODEL_FOR_LANGUAGE = {"en": "universal-streaming-english", "fr": "universal-streaming-multilingual"}
MAX_KEYTERMS = 100  # `keyterms_prompt`'s limits
MAX_KEYTERM_CHARS = 50
MIN_BATCH_MS = 50  # the server's floor (error 3007 below it)
MAX_BATCH_MS = 1000  # and its ceiling

# Retrying would meet the same refusal: a bad or unfunded key, or a request this module built wrong.
PERMANENT_HTTP = frozenset({400, 401, 402, 403, 404})
PERMANENT_CLOSE = frozenset({1008, 3006, 3007, 4000, 4001, 4002, 4003, 4100, 4101})

_END = None  # queued when the session is over without a failure


def classify(error: StreamingError) -> RecognizerError:
    """The SDK's error (an HTTP status on the upgrade, a close code, or none for a network failure) as ours."""
    code = getattr(error, "code", None)
    permanent = code in PERMANENT_HTTP or code in PERMANENT_CLOSE
    return RecognizerError(f"AssemblyAI: {error} (code {code})", permanent=permanent)


def api_host(host: str) -> str:
    """The host as the SDK takes it: bare (it adds `wss://`), or with `ws://` for a loopback test server."""
    host = host.strip().rstrip("/")
    if "://" in host:
        raise ValueError(f"give the AssemblyAI host without a scheme, not {host!r}")
    name = urlsplit(f"//{host}").hostname or ""
    if name == "localhost" or _is_loopback(name):
        return f"ws://{host}"
    return host


def _is_loopback(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class AssemblyAIStreaming:
    """Opens one AssemblyAI session per call (`StreamingSpeechToText`)."""

    def __init__(
        self,
        api_key: str,
        host: str = DEFAULT_HOST,
        speech_model: str | None = None,
        *,
        format_turns: bool = True,
        batch_ms: int = 100,
        end_of_turn_confidence_threshold: float | None = None,
        min_turn_silence_ms: int | None = None,
        max_turn_silence_ms: int | None = None,
        keyterms: Sequence[str] = (),
        connect_timeout_s: float = 2.0,
        begin_timeout_s: float = 2.5,
        terminate_timeout_s: float = 1.5,
    ) -> None:
        if not api_key:
            raise ValueError("AssemblyAI needs an API key (ASSEMBLYAI_API_KEY)")
        if not MIN_BATCH_MS <= batch_ms <= MAX_BATCH_MS:
            raise ValueError(f"batch_ms must be {MIN_BATCH_MS}-{MAX_BATCH_MS}, got {batch_ms}")
        if speech_model is not None:
            SpeechModel(speech_model)  # fail at start-up on a misspelt model, not on the first call
        self.api_key = api_key
        self.api_host = api_host(host)
        self.speech_model = speech_model
        self.format_turns = format_turns
        self.batch_ms = batch_ms
        self.end_of_turn_confidence_threshold = end_of_turn_confidence_threshold
        self.min_turn_silence_ms = min_turn_silence_ms
        self.max_turn_silence_ms = max_turn_silence_ms
        self.keyterms = list(keyterms)
        self.connect_timeout_s = connect_timeout_s
        self.begin_timeout_s = begin_timeout_s
        self.terminate_timeout_s = terminate_timeout_s

    def with_keyterms(self, keyterms: Sequence[str]) -> AssemblyAIStreaming:
        """The same recogniser with an organization's names as `keyterms_prompt` (its districts, streets, people).

        The service takes at most 100 terms of at most 50 characters: longer ones are left out, the first 100 kept.
        """
        terms = [term.strip() for term in keyterms if 0 < len(term.strip()) <= MAX_KEYTERM_CHARS]
        if not terms and not self.keyterms:
            return self
        chosen = copy.copy(self)
        chosen.keyterms = terms[:MAX_KEYTERMS]
        return chosen

    def parameters(self, language: str) -> StreamingParameters:
        model = self.speech_model or MODEL_FOR_LANGUAGE.get(language, MODEL_FOR_LANGUAGE["fr"])
        return StreamingParameters(
            sample_rate=SAMPLE_RATE,
            encoding=Encoding.pcm_mulaw,
            speech_model=SpeechModel(model),
            format_turns=self.format_turns,
            end_of_turn_confidence_threshold=self.end_of_turn_confidence_threshold,
            min_turn_silence=self.min_turn_silence_ms,
            max_turn_silence=self.max_turn_silence_ms,
            keyterms_prompt=self.keyterms or None,
        )

    async def open(self, info: CallInfo) -> AssemblyAIStream:
        """Connect and wait for `Begin`; raises `RecognizerError` (permanent for a refused key)."""
        client = AsyncStreamingClient(
            StreamingClientOptions(
                api_key=self.api_key,
                api_host=self.api_host,
                connect_timeout=self.connect_timeout_s,
                # The engine decides about reconnecting (it falls back to Whisper meanwhile), not the SDK.
                max_connection_retries=0,
                terminate_timeout=self.terminate_timeout_s,
            )
        )
        stream = AssemblyAIStream(client, info.language, self.batch_ms, self.format_turns)
        try:
            await client.connect(self.parameters(info.language))
            await stream.wait_for_begin(self.begin_timeout_s)
        except BaseException:
            # Cancelled by the engine's open timeout, say: never leave a billed session behind.
            with contextlib.suppress(Exception):
                await asyncio.shield(client.disconnect(terminate=False))
            raise
        return stream


class AssemblyAIStream:
    """One call's session (`RecognizerStream`)."""

    def __init__(self, client: AsyncStreamingClient, language: str, batch_ms: int, format_turns: bool) -> None:
        self.client = client
        self.language = language
        self.format_turns = format_turns
        self.batch_bytes = SAMPLE_RATE * batch_ms // 1000  # one μ-law byte per sample
        self.session_id = ""
        self._began = asyncio.Event()
        self._failure: RecognizerError | None = None
        self._events: asyncio.Queue[RecognizerEvent | RecognizerError | None] = asyncio.Queue()
        self._batches: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._pending = bytearray()
        self._finished = False
        self._closing = False
        self._pump: asyncio.Task[None] | None = None
        client.on(StreamingEvents.Begin, self._on_begin)
        client.on(StreamingEvents.Turn, self._on_turn)
        client.on(StreamingEvents.SpeechStarted, self._on_speech_started)
        client.on(StreamingEvents.Termination, self._on_termination)
        client.on(StreamingEvents.Error, self._on_error)

    async def wait_for_begin(self, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(self._began.wait(), timeout_s)
        except TimeoutError:
            raise RecognizerError(f"AssemblyAI: no Begin within {timeout_s:g} s") from None
        if self._failure is not None:
            raise self._failure
        self._pump = asyncio.create_task(self._send_batches(), name=f"assemblyai-send-{self.session_id}")

    def push(self, audio: Pcm) -> None:
        if self._closing or self._finished:
            return
        self._pending += mulaw.encode(audio)
        while len(self._pending) >= self.batch_bytes:
            self._batches.put_nowait(bytes(self._pending[: self.batch_bytes]))
            del self._pending[: self.batch_bytes]

    async def events(self) -> AsyncIterator[RecognizerEvent]:
        while (item := await self._events.get()) is not _END:
            if isinstance(item, RecognizerError):
                raise item
            yield item

    async def close(self) -> None:
        """Send what is left, then `Terminate`, and wait (briefly) for `Termination`."""
        if self._closing:
            return
        self._closing = True
        if self._pending and not self._finished:
            # The tail of the call, padded with silence up to the server's minimum message length.
            tail = bytes(self._pending).ljust(SAMPLE_RATE * MIN_BATCH_MS // 1000, bytes([mulaw.SILENCE_BYTE]))
            self._batches.put_nowait(tail)
            self._pending.clear()
        self._batches.put_nowait(None)
        if self._pump is not None:
            # The batches must reach the SDK's write queue before Terminate does.
            with contextlib.suppress(Exception):
                await self._pump
        await self.client.disconnect(terminate=not self._finished)
        self._finish(_END)

    async def _batch_source(self) -> AsyncIterator[bytes]:
        while (batch := await self._batches.get()) is not None:
            yield batch

    async def _send_batches(self) -> None:
        # `stream` returns when our source ends (close) or, at the next batch, once the client has stopped.
        await self.client.stream(self._batch_source())
        if not self._closing:
            self._finish(RecognizerError("AssemblyAI: the connection ended without Termination"))

    def _finish(self, item: RecognizerError | None) -> None:
        if not self._finished:
            self._finished = True
            self._events.put_nowait(item)

    # SDK handlers: called on the client's read task, in the engine's loop; they only queue.

    def _on_begin(self, _client: AsyncStreamingClient, event: BeginEvent) -> None:
        self.session_id = event.id
        self._began.set()

    def _on_turn(self, _client: AsyncStreamingClient, turn: TurnEvent) -> None:
        if self._finished:
            return
        # With format_turns the server sends each final turn twice, unformatted then formatted: wait for the latter.
        if turn.end_of_turn and (turn.turn_is_formatted or not self.format_turns):
            start_ms = turn.words[0].start if turn.words else 0
            end_ms = turn.words[-1].end if turn.words else start_ms
            language = turn.language_code or self.language
            self._events.put_nowait(RecognizerTurnEnded(turn.transcript, start_ms, end_ms, language))
        else:
            self._events.put_nowait(RecognizerActivity(turn.transcript))

    def _on_speech_started(self, _client: AsyncStreamingClient, event: SpeechStartedEvent) -> None:
        if not self._finished:
            self._events.put_nowait(RecognizerSpeechStarted(event.timestamp))

    def _on_termination(self, _client: AsyncStreamingClient, _event: TerminationEvent) -> None:
        self._finish(_END)

    def _on_error(self, _client: AsyncStreamingClient, error: StreamingError) -> None:
        failure = classify(error)
        if not self._began.is_set():
            self._failure = failure
            self._began.set()
        self._finish(failure)
