"""The Twilio Media Streams WebSocket: authenticates the stream, then hands its audio to a `CallSession`.

Nothing expensive happens before the stream has proved who it is: the upgrade's signature is checked before the
socket is accepted, and the one-time token in `start` before any model sees a byte of audio.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from synclead import logs
from synclead.agent.profile import AgencyProfile
from synclead.audio import mulaw
from synclead.config import Settings
from synclead.engine.ports import CallInfo, Pcm
from synclead.engine.session import CallSession, SessionConfig
from synclead.engine.turns import TurnConfig
from synclead.events import COMMANDS, get_bus
from synclead.gateway import database, metrics
from synclead.gateway.call_audio import CallAudioWriter, max_samples_for, recording_error
from synclead.gateway.providers import Providers
from synclead.gateway.recorder import DatabaseRecorder
from synclead.knowledge.models import Passage
from synclead.knowledge.vocabulary import vocabulary_for
from synclead.telephony.twilio import messages, rest
from synclead.telephony.twilio.signatures import SIGNATURE_HEADER, verify_websocket
from synclead.telephony.twilio.stream_auth import claim_stream
from synclead.web.calls.models import Call, CallStatus
from synclead.web.organizations.models import Organization

log = logging.getLogger(__name__)

# Close codes: 1008 policy violation (authentication), 1003 unsupported data, 1011 server error.
POLICY_VIOLATION = 1008
UNSUPPORTED_DATA = 1003
# How long a socket may sit before `start` arrives, and how many malformed frames a call tolerates.
START_TIMEOUT_S = 10.0
MAX_PROTOCOL_ERRORS = 20
# An outbound frame this much later than the previous frame's audio ran out is a gap the caller hears.
LATE_S = 0.020


async def close_socket(ws: WebSocket, code: int = 1000) -> None:
    """Close unless either side already has: a second close is an ASGI error, not a no-op."""
    if ws.application_state is WebSocketState.CONNECTED and ws.client_state is WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await ws.close(code=code)


async def _receive_text(ws: WebSocket) -> str | None:
    """The next text frame; None once the socket is closed. A binary frame is not Twilio's: a protocol error."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    if text is None:
        return "<binary frame>"  # fails to parse, and is counted and logged like any malformed frame
    return text


class TwilioOutput:
    """The engine's `MediaOutput` for one Twilio stream."""

    def __init__(self, ws: WebSocket, stream_sid: str, call_sid: str, settings: Settings) -> None:
        self.ws = ws
        self.stream_sid = stream_sid
        self.call_sid = call_sid
        self.settings = settings
        self.open = True
        self.recording: CallAudioWriter | None = None
        # When the audio sent so far in this sentence runs out at the carrier (monotonic clock); 0 between sentences.
        self._audio_until = 0.0

    async def _send(self, text: str) -> None:
        if self.open and self.ws.application_state is WebSocketState.CONNECTED:
            try:
                await self.ws.send_text(text)
            except (WebSocketDisconnect, RuntimeError):
                self.open = False

    async def send_audio(self, audio: Pcm) -> None:
        if self.recording is not None and self.open:
            self.recording.agent(audio)
        now = time.monotonic()
        if self._audio_until and now > self._audio_until + LATE_S:
            metrics.LATE_FRAMES.inc()
        self._audio_until = max(now, self._audio_until) + len(audio) / 8000
        await self._send(messages.media_message(self.stream_sid, mulaw.encode(audio)))

    async def send_mark(self, name: str) -> None:
        self._audio_until = 0.0  # a sentence ends here: the pause before the next one is speech, not a gap
        await self._send(messages.mark_message(self.stream_sid, name))

    async def clear(self) -> None:
        self._audio_until = 0.0
        if self.recording is not None:
            self.recording.clear()
        await self._send(messages.clear_message(self.stream_sid))

    async def hang_up(self) -> None:
        await asyncio.to_thread(rest.hang_up, self.call_sid, self.settings)
        self.open = False
        await close_socket(self.ws)

    async def transfer(self, number: str) -> None:
        # New TwiML ends the stream on Twilio's side; closing ours too frees the session at once.
        await asyncio.to_thread(rest.transfer, self.call_sid, number, self.settings)
        self.open = False
        await close_socket(self.ws)


def agency_profile(org: Organization, language: str) -> AgencyProfile:
    """Everything the agent needs to know about the organization, read once when the call starts."""
    return AgencyProfile(
        name=org.name,
        language=language,
        greeting=org.greeting,
        organization_id=org.pk,
        persona=org.persona,
        instructions=org.instructions,
        facts=org.facts,
        llm=org.llm,
        llm_model=org.llm_model,
        temperature=org.temperature,
        max_input_tokens=org.max_input_tokens,
        max_output_tokens=org.max_output_tokens,
        staff_number=org.staff_number,
        business_hours=org.business_hours or {},
        timezone=org.timezone,
        has_knowledge=Passage.objects.filter(organization=org).exists(),
        stt=org.stt,
        voice=org.voice,
        vocabulary=tuple(vocabulary_for(org.pk)),
    )


def in_progress(call: Call | None) -> tuple[Call | None, AgencyProfile | None]:
    """A call whose stream was just claimed, marked in progress, with what its agent needs; (None, None) if refused."""
    if call is None:
        return None, None
    call.status = CallStatus.IN_PROGRESS
    call.alive_at = call.stream_started_at
    call.save(update_fields=["status", "alive_at"])
    return call, agency_profile(call.organization, call.language or call.organization.language)


class MediaStreamHandler:
    def __init__(self, providers: Providers, settings: Settings, recorder: DatabaseRecorder) -> None:
        self.providers = providers
        self.settings = settings
        self.recorder = recorder
        self.active: dict[str, CallSession] = {}
        self.recordings: dict[str, CallAudioWriter] = {}
        self._commands: set[asyncio.Task[None]] = set()
        self.connecting = 0

    def session_config(self) -> SessionConfig:
        s = self.settings
        return SessionConfig(
            turn=TurnConfig(end_of_turn_ms=s.end_of_turn_ms),
            silence_timeout_ms=s.silence_timeout_s * 1000,
            max_call_ms=s.max_call_s * 1000,
        )

    async def handle(self, ws: WebSocket) -> None:
        if not verify_websocket(ws.url.path, ws.headers.get(SIGNATURE_HEADER), self.settings):
            log.warning("media stream refused: bad or missing %s from %s", SIGNATURE_HEADER, ws.client)
            await ws.close(code=POLICY_VIOLATION)
            return
        await ws.accept()
        # A stream between its upgrade and its `start` is a call on its way in: a draining process waits for it.
        self.connecting += 1
        try:
            session = await self._wait_for_start(ws)
        finally:
            self.connecting -= 1
        if session is None:
            return
        reason = "stream_dropped"
        errors = 0
        recording = self.recordings.get(session.info.call_sid)
        try:
            while True:
                frame = await _receive_text(ws)
                if frame is None:
                    break
                try:
                    message = messages.parse(frame, session.info.stream_sid)
                except messages.ProtocolError as exc:
                    errors += 1
                    log.warning("call %s: bad frame (%s)", session.info.call_sid, exc)
                    if errors > MAX_PROTOCOL_ERRORS:
                        reason = "protocol_errors"
                        await close_socket(ws, UNSUPPORTED_DATA)
                        break
                    continue
                if isinstance(message, messages.Media):
                    if message.track in ("inbound", "inbound_track"):
                        audio = mulaw.decode(message.payload)
                        if recording is not None:
                            recording.caller(audio)  # first: the clock the agent's reply is placed on
                        await session.on_audio(audio)
                elif isinstance(message, messages.Mark):
                    session.on_mark(message.name)
                elif isinstance(message, messages.Stop):
                    reason = "caller_hangup"
                    break
                elif isinstance(message, messages.Dtmf):
                    log.info("call %s: caller pressed %s", session.info.call_sid, message.digit)
                if session.closed:
                    reason = session.end_reason
                    break
        except Exception:
            log.exception("call %s: media stream failed", session.info.call_sid)
            reason = "error"
        finally:
            await session.close(session.end_reason or reason)
            if self.active.pop(session.info.call_sid, None) is not None:
                metrics.ACTIVE_CALLS.dec()
            metrics.CALLS_ENDED.labels(session.end_reason or reason).inc()
            await close_socket(ws)
            await self._finish_recording(session.info.call_sid)

    def calls_in_progress(self) -> int:
        """Calls this process carries, counting those whose stream is still starting."""
        return len(self.active) + self.connecting

    async def obey_commands(self) -> None:
        """Act on commands for the calls this process carries (an advisor's hang-up or take-over), until cancelled.

        Every gateway process hears every command; only the one holding the call acts. A lost connection to the
        bus is retried: commands are a convenience, the calls go on without them.
        """
        while True:
            try:
                async with get_bus().subscribe(COMMANDS) as commands:
                    async for command in commands:
                        self._obey(command)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("event bus unavailable (%s); retrying in 5 s", exc)
                await asyncio.sleep(5)

    def _obey(self, command: dict) -> None:
        session = self.active.get(str(command.get("call_sid", "")))
        if session is None or session.closed:
            return
        action = command.get("action")
        log.info("call %s: %s requested by %s", session.info.call_sid, action, command.get("by", "staff"))
        if action == "hangup":
            task = asyncio.create_task(session.hang_up("ended_by_staff"))
        elif action == "transfer" and command.get("number"):
            task = asyncio.create_task(session.transfer(str(command["number"])))
        else:
            return
        self._commands.add(task)
        task.add_done_callback(self._commands.discard)

    async def _finish_recording(self, call_sid: str) -> None:
        recording = self.recordings.pop(call_sid, None)
        path = await recording.finish() if recording is not None else None
        if recording is not None and recording.error:
            self.recorder.recording_missing(call_sid, recording.error)
        if path is not None:
            # One column: the voicemail's download may be writing the row's recording at the same moment.
            database.submit(lambda: Call.objects.filter(call_sid=call_sid).update(recording_file=str(path)))

    async def _wait_for_start(self, ws: WebSocket) -> CallSession | None:
        """Read until `start`; anything else first (but `connected`) is refused before any audio work."""
        try:
            # One deadline for everything before `start`, not one per frame: the upgrade's signature covers only
            # the stream's URL, so a trickle of `connected` frames could otherwise hold a socket for ever.
            async with asyncio.timeout(START_TIMEOUT_S):
                while True:
                    frame = await _receive_text(ws)
                    if frame is None:
                        raise WebSocketDisconnect()
                    try:
                        message = messages.parse(frame)
                    except messages.ProtocolError as exc:
                        log.warning("media stream refused before start: %s", exc)
                        await close_socket(ws, UNSUPPORTED_DATA)
                        return None
                    if isinstance(message, messages.Start):
                        break
                    if not isinstance(message, messages.Connected):
                        log.warning("media stream refused: %s before start", type(message).__name__.lower())
                        await close_socket(ws, POLICY_VIOLATION)
                        return None
        except (TimeoutError, WebSocketDisconnect):
            log.warning("media stream gave up: no start message")
            await close_socket(ws, POLICY_VIOLATION)
            return None
        # Outside the deadline: a token claimed and then cancelled half-way would leave the call unstreamable.
        return await self._start(ws, message)

    async def _start(self, ws: WebSocket, start: messages.Start) -> CallSession | None:
        token = start.custom_parameters.get("token", "")

        call, profile = await database.run(lambda: in_progress(claim_stream(start.call_sid, token)))
        if call is None:
            log.warning("media stream refused: bad or reused token for call %s", start.call_sid)
            await close_socket(ws, POLICY_VIOLATION)
            return None
        org = call.organization
        info = CallInfo(
            call_sid=call.call_sid,
            stream_sid=start.stream_sid,
            from_number=call.from_number,
            to_number=call.to_number,
            language=call.language or org.language,
            organization=org.slug,
        )
        output = TwilioOutput(ws, start.stream_sid, call.call_sid, self.settings)
        try:
            output.recording = await CallAudioWriter.create(
                self.settings.recordings_dir / org.slug, call.call_sid, max_samples_for(self.settings.max_call_s)
            )
            self.recordings[call.call_sid] = output.recording
        except OSError as exc:
            log.exception("call %s: cannot record; answering without a recording", call.call_sid)
            self.recorder.recording_missing(call.call_sid, recording_error(exc))
        session = CallSession(
            info,
            agent=self.providers.agent_factory(info, profile),
            stt=self.providers.stt_for(profile),
            tts=self.providers.tts_for(profile),
            vad=self.providers.vad_factory(),
            output=output,
            observer=self.recorder,
            config=self.session_config(),
            recognizer=self.providers.recognizer_for(profile),
        )
        self.active[call.call_sid] = session
        metrics.ACTIVE_CALLS.inc()
        metrics.CALLS_STARTED.inc()
        logs.bind_call(call.call_sid, org.slug)
        log.info("call %s: stream started for %s", call.call_sid, org.slug)
        try:
            await session.start()
        except BaseException:
            if self.active.pop(call.call_sid, None) is not None:
                metrics.ACTIVE_CALLS.dec()
            await self._finish_recording(call.call_sid)  # no temp file left behind by a call that never ran
            raise
        return session
