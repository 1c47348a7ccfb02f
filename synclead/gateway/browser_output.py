"""The carrier side of a browser test call: the engine's `MediaOutput` and `CallObserver` for the member's page.

The engine speaks 8 kHz; the page plays at its AudioContext's rate, so the agent's voice is resampled here (soxr)
on its way out. soxr's filter holds a few tens of milliseconds back, so each mark flushes it first: the page echoes a
mark once the audio before it has played, and that audio must have been sent before the mark.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import numpy as np
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from synclead.audio.resample import StreamResampler
from synclead.engine.ports import SAMPLE_RATE, CallOutcome, Pcm, UtteranceRecord
from synclead.gateway.call_audio import CallAudioWriter
from synclead.gateway.recorder import DatabaseRecorder
from synclead.telephony.browser import messages

log = logging.getLogger(__name__)

NORMAL_CLOSURE = 1000


async def close_socket(ws: WebSocket, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
    """Close unless either side already has (a second close is an ASGI error); the reason is what the page shows."""
    if ws.application_state is WebSocketState.CONNECTED and ws.client_state is WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await ws.close(code=code, reason=reason[:120])


class BrowserOutput:
    """Sends the agent's voice, marks and clears to the page; records the agent's side of the call."""

    def __init__(self, ws: WebSocket, sample_rate: int) -> None:
        self.ws = ws
        self.sample_rate = sample_rate
        self.recording: CallAudioWriter | None = None
        self.open = True
        self._resampler = (
            StreamResampler(SAMPLE_RATE, sample_rate, np.int16, quality="LQ") if sample_rate != SAMPLE_RATE else None
        )
        self._notices: set[asyncio.Task[None]] = set()

    async def send_text(self, text: str) -> None:
        if self.open and self.ws.application_state is WebSocketState.CONNECTED:
            try:
                await self.ws.send_text(text)
            except (WebSocketDisconnect, RuntimeError):
                self.open = False

    async def _send_audio(self, audio: Pcm) -> None:
        if len(audio) and self.open and self.ws.application_state is WebSocketState.CONNECTED:
            try:
                await self.ws.send_bytes(messages.audio_bytes(audio))
            except (WebSocketDisconnect, RuntimeError):
                self.open = False

    async def send_audio(self, audio: Pcm) -> None:
        if self.recording is not None and self.open:
            self.recording.agent(audio)
        await self._send_audio(audio if self._resampler is None else self._resampler.process(audio))

    async def send_mark(self, name: str) -> None:
        if self._resampler is not None:
            tail = self._resampler.flush()
            self._resampler.reset()
            await self._send_audio(tail)
        await self.send_text(messages.mark_message(name))

    async def clear(self) -> None:
        if self._resampler is not None:
            self._resampler.reset()
        if self.recording is not None:
            self.recording.clear()
        await self.send_text(messages.clear_message())

    async def hang_up(self) -> None:
        self.open = False
        await close_socket(self.ws, NORMAL_CLOSURE, "The agent ended the call.")

    async def transfer(self, number: str) -> None:
        # A browser cannot be put through to a telephone: the page says where a caller would have gone.
        await self.send_text(messages.transfer_message(number))
        self.open = False
        await close_socket(self.ws, NORMAL_CLOSURE, "The agent transferred the call.")

    def notify(self, text: str) -> None:
        """Queue a message for the page without waiting for it (the engine's observer must never block)."""
        task = asyncio.get_running_loop().create_task(self.send_text(text))
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)


class PageObserver:
    """Everything goes to the database as in a phone call; what is said also goes to the page, as it is said."""

    def __init__(self, recorder: DatabaseRecorder, output: BrowserOutput) -> None:
        self.recorder = recorder
        self.output = output

    def utterance(self, call_sid: str, record: UtteranceRecord) -> None:
        self.recorder.utterance(call_sid, record)
        self.output.notify(messages.utterance_message(record.role, record.text, record.interrupted))

    def metric(self, call_sid: str, name: str, value: dict) -> None:
        self.recorder.metric(call_sid, name, value)

    def ended(self, call_sid: str, outcome: CallOutcome, duration_ms: int) -> None:
        self.recorder.ended(call_sid, outcome, duration_ms)
