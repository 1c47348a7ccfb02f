"""The browser test call's WebSocket: a dashboard member talks to the agent through the page, on the phone's engine.

Beside `media.py`, which carries Twilio's streams, and built from its parts: the same `CallSession`, providers,
`DatabaseRecorder`, stereo recording and post-call report; only the carrier differs — the member's browser, which
sends its microphone as PCM at its own rate and plays the agent's voice through Web Audio. Each call is registered
among the Twilio handler's calls, so the heartbeat, draining, metrics and an advisor's hang-up treat it like any
other.

Nothing is accepted before the upgrade has proved who opens it (`browser_auth`), and nothing costs a model before
the one-time token of `start` has been claimed for that member. Every frame is checked (`telephony.browser.messages`):
a malformed one ends the call with 1003 and what was said so far; audio arriving faster than real time, a socket
that goes quiet, or a call past `SYNCLEAD_TEST_CALL_MAX_S` end it too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time

import numpy as np
from starlette.websockets import WebSocket

from synclead import lifecycle, logs
from synclead.audio.resample import StreamResampler
from synclead.engine.ports import FRAME_SAMPLES, SAMPLE_RATE, CallInfo, Pcm
from synclead.engine.session import CallSession
from synclead.gateway import database, metrics
from synclead.gateway.browser_auth import same_origin, session_user_id
from synclead.gateway.browser_output import BrowserOutput, PageObserver, close_socket
from synclead.gateway.call_audio import CallAudioWriter, max_samples_for, recording_error
from synclead.gateway.media import MediaStreamHandler, in_progress
from synclead.telephony.browser import messages
from synclead.web.calls.browser_calls import claim_test_call
from synclead.web.calls.models import Call

log = logging.getLogger(__name__)

UNSUPPORTED_DATA = 1003
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
START_TIMEOUT_S = 10.0
# The page sends a frame every 20 ms: a socket this quiet has lost its page (a frozen tab, a dropped network).
IDLE_TIMEOUT_S = 10.0
# Audio may run ahead of the wall clock by a backlog this long (a tab that stalled, then caught up), no more: the
# media clock is the call's clock, and a client racing it would make the engine work faster than a conversation.
AHEAD_S = 5.0
# After the limit the agent says goodbye on the media clock; this is the wall-clock backstop if the page stalls.
CLOSING_GRACE_S = 30


class BrowserCall:
    """One test call in progress: the page's audio, brought to the engine's rate and frames, and its clock."""

    def __init__(self, session: CallSession, output: BrowserOutput, sample_rate: int) -> None:
        self.session = session
        self.output = output
        self.sample_rate = sample_rate
        self._resampler = (
            StreamResampler(sample_rate, SAMPLE_RATE, np.int16, quality="LQ") if sample_rate != SAMPLE_RATE else None
        )
        self._pending = np.zeros(0, dtype=np.int16)
        self._received = 0
        self._since = time.monotonic()

    async def hear(self, audio: Pcm) -> None:
        """One frame of the member's microphone: whole 20 ms frames to the recording and the engine, as a phone's."""
        self._received += len(audio)
        resampled = audio if self._resampler is None else self._resampler.process(audio)
        pending = np.concatenate([self._pending, resampled]) if len(self._pending) else resampled
        whole = len(pending) - len(pending) % FRAME_SAMPLES
        for start in range(0, whole, FRAME_SAMPLES):
            frame = pending[start : start + FRAME_SAMPLES]
            if self.output.recording is not None:
                self.output.recording.caller(frame)  # first: the clock the agent's reply is placed on
            await self.session.on_audio(frame)
        self._pending = pending[whole:]

    def ahead_of_real_time(self) -> bool:
        return self._received / self.sample_rate > time.monotonic() - self._since + AHEAD_S


class BrowserCallHandler:
    def __init__(self, media: MediaStreamHandler) -> None:
        self.media = media

    async def handle(self, ws: WebSocket) -> None:
        if not same_origin(ws.headers, self.media.settings):
            log.warning("test call refused: origin %r is not this server", ws.headers.get("origin"))
            await ws.close(code=POLICY_VIOLATION)  # before accept: the upgrade is answered 403
            return
        user_id = await database.run(lambda: session_user_id(ws.headers))
        if user_id is None:
            log.warning("test call refused: no logged-in session from %s", ws.client)
            await ws.close(code=POLICY_VIOLATION)
            return
        await ws.accept()
        if lifecycle.draining():
            await close_socket(ws, TRY_AGAIN_LATER, "The server is restarting; try again in a moment.")
            return
        self.media.connecting += 1  # a draining process waits for a call on its way in
        try:
            call = await self._start(ws, user_id)
        finally:
            self.media.connecting -= 1
        if call is not None:
            await self._run(ws, call)

    async def _start(self, ws: WebSocket, user_id: int) -> BrowserCall | None:
        try:
            async with asyncio.timeout(START_TIMEOUT_S):
                first = await ws.receive()
        except TimeoutError:
            await close_socket(ws, POLICY_VIOLATION, "No start message.")
            return None
        if first["type"] == "websocket.disconnect":
            return None
        try:
            if first.get("text") is None:
                raise messages.ProtocolError("the first frame must be the start message, not audio")
            start = messages.parse_text(first["text"])
            if not isinstance(start, messages.Start):
                raise messages.ProtocolError("the first frame must be the start message")
        except messages.ProtocolError as exc:
            log.warning("test call refused before start: %s", exc)
            await close_socket(ws, UNSUPPORTED_DATA, str(exc))
            return None

        call, profile = await database.run(lambda: in_progress(claim_test_call(start.call_sid, start.token, user_id)))
        if call is None:
            log.warning("test call refused: bad, used or foreign token for %s", start.call_sid)
            await close_socket(ws, POLICY_VIOLATION, "This test call cannot be joined; start a new one.")
            return None
        org = call.organization
        info = CallInfo(call.call_sid, call.call_sid, "", call.to_number, call.language or org.language, org.slug)
        output = BrowserOutput(ws, start.sample_rate)
        try:
            output.recording = await CallAudioWriter.create(
                self.media.settings.recordings_dir / org.slug, call.call_sid, max_samples_for(self._max_s())
            )
        except OSError as exc:
            log.exception("test call %s: cannot record; going on without a recording", call.call_sid)
            self.media.recorder.recording_missing(call.call_sid, recording_error(exc))
        providers = self.media.providers
        config = dataclasses.replace(self.media.session_config(), max_call_ms=self._max_s() * 1000)
        session = CallSession(
            info,
            agent=providers.agent_factory(info, profile),
            stt=providers.stt_for(profile),
            tts=providers.tts_for(profile),
            vad=providers.vad_factory(),
            output=output,
            observer=PageObserver(self.media.recorder, output),
            config=config,
            recognizer=providers.recognizer_for(profile),
        )
        self.media.active[call.call_sid] = session
        metrics.ACTIVE_CALLS.inc()
        metrics.CALLS_STARTED.inc()
        logs.bind_call(call.call_sid, org.slug)
        log.info("test call %s: started for %s by user %s", call.call_sid, org.slug, user_id)
        await output.send_text(messages.started_message(call.call_sid, self._max_s()))
        browser_call = BrowserCall(session, output, start.sample_rate)
        try:
            await session.start()
        except BaseException:
            await self._end(ws, browser_call, "error")
            raise
        return browser_call

    def _max_s(self) -> int:
        settings = self.media.settings
        return min(settings.test_call_max_s, settings.max_call_s)

    async def _run(self, ws: WebSocket, call: BrowserCall) -> None:
        session = call.session
        reason = "stream_dropped"
        try:
            async with asyncio.timeout(self._max_s() + CLOSING_GRACE_S):
                reason = await self._listen(ws, call)
        except TimeoutError:
            log.warning("test call %s: still open past its limit; closing", session.info.call_sid)
            reason = "max_duration"
            await close_socket(ws, POLICY_VIOLATION, "The test call reached its time limit.")
        except Exception:
            log.exception("test call %s: failed", session.info.call_sid)
            reason = "error"
        finally:
            await self._end(ws, call, reason)

    async def _listen(self, ws: WebSocket, call: BrowserCall) -> str:
        """Feed the page's frames to the call until it ends; returns why."""
        session = call.session
        while True:
            try:
                frame = await asyncio.wait_for(ws.receive(), IDLE_TIMEOUT_S)
            except TimeoutError:
                await close_socket(ws, POLICY_VIOLATION, "No audio from the page.")
                return "stream_dropped"
            except RuntimeError:  # the socket was closed from our side (the agent hung up)
                return session.end_reason or "agent_hangup"
            if frame["type"] == "websocket.disconnect":
                return session.end_reason or "caller_hangup"
            try:
                if frame.get("bytes") is not None:
                    await call.hear(messages.parse_audio(frame["bytes"], call.sample_rate))
                else:
                    message = messages.parse_text(frame.get("text") or "")
                    if isinstance(message, messages.Mark):
                        session.on_mark(message.name)
                    elif isinstance(message, messages.HangUp):
                        return "caller_hangup"
                    else:
                        raise messages.ProtocolError("a second start message")
            except messages.ProtocolError as exc:
                log.warning("test call %s: bad frame (%s)", session.info.call_sid, exc)
                await close_socket(ws, UNSUPPORTED_DATA, str(exc))
                return "protocol_errors"
            if call.ahead_of_real_time():
                log.warning("test call %s: audio faster than real time", session.info.call_sid)
                await close_socket(ws, POLICY_VIOLATION, "Audio is arriving faster than real time.")
                return "protocol_errors"
            if session.closed:
                return session.end_reason

    async def _end(self, ws: WebSocket, call: BrowserCall, reason: str) -> None:
        session = call.session
        sid = session.info.call_sid
        await session.close(session.end_reason or reason)
        if self.media.active.pop(sid, None) is not None:
            metrics.ACTIVE_CALLS.dec()
        metrics.CALLS_ENDED.labels(session.end_reason or reason).inc()
        await call.output.send_text(messages.ended_message(session.end_reason or reason))
        await close_socket(ws)
        recording = call.output.recording
        path = await recording.finish() if recording is not None else None
        if recording is not None and recording.error:
            self.media.recorder.recording_missing(sid, recording.error)
        if path is not None:
            database.submit(lambda: Call.objects.filter(call_sid=sid).update(recording_file=str(path)))
