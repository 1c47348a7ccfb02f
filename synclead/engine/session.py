"""A phone call in real time: listen, take turns, answer, let the caller interrupt, hang up.

One `CallSession` per call, many per event loop. The carrier adapter feeds it inbound frames (`on_audio`),
echoed marks (`on_mark`) and the end of the stream (`close`); the session drives the carrier through
`MediaOutput`. Its clock is the audio itself: every inbound frame moves time forward by its length, so silence
timers, the call's maximum length and the outbound pacing all count media time, and a simulation at ten times real
speed behaves exactly like a real call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import numpy as np

from synclead.agent.sentences import split_sentences
from synclead.engine.playout import Playout
from synclead.engine.ports import (
    SAMPLE_RATE,
    Agent,
    AgentReply,
    CallInfo,
    CallObserver,
    MediaOutput,
    Pcm,
    SpeechToText,
    StreamingSpeechToText,
    TextToSpeech,
    UtteranceRecord,
    VoiceActivity,
)
from synclead.engine.speech import AgentSpeech
from synclead.engine.streaming import StreamingTurns
from synclead.engine.turns import Turn, TurnConfig, TurnDetector, TurnEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SessionConfig:
    turn: TurnConfig = field(default_factory=TurnConfig)
    silence_timeout_ms: int = 8_000
    max_call_ms: int = 600_000
    lead_ms: int = 80
    # Audio kept from before the detector fired, so a turn's first syllable reaches the recogniser.
    preroll_ms: int = 250
    # A carrier that never echoes a mark must not hold the call: past this, the audio counts as played.
    mark_grace_ms: int = 1_500
    # After the farewell at max_call_ms, how long to wait for it to play before closing regardless.
    closing_grace_ms: int = 20_000


class CallSession:
    def __init__(
        self,
        info: CallInfo,
        *,
        agent: Agent,
        stt: SpeechToText,
        tts: TextToSpeech,
        vad: VoiceActivity,
        output: MediaOutput,
        observer: CallObserver,
        config: SessionConfig | None = None,
        recognizer: StreamingSpeechToText | None = None,
    ) -> None:
        self.info = info
        self.agent = agent
        self.stt = stt
        self.tts = tts
        self.vad = vad
        self.output = output
        self.observer = observer
        self.config = config or SessionConfig()
        self.turns = TurnDetector(self.config.turn, window_ms=vad.window_ms)
        self.playout = Playout(self.config.lead_ms)

        self.now_ms = 0
        self.closed = False
        self.end_reason = ""
        self._samples = 0
        keep_frames = (self.config.turn.max_turn_ms + self.config.preroll_ms + 2_000) // 20
        self._frames: deque[tuple[int, Pcm]] = deque(maxlen=keep_frames)
        self._speech: AgentSpeech | None = None
        self._speech_task: asyncio.Task[None] | None = None
        self._turn_task: asyncio.Task[None] | None = None
        self._pending_turn_start: int | None = None
        self._next_speech_id = 0
        self._last_activity_ms = 0
        self._silences = 0
        self._closing_since: int | None = None
        self._send_lock = asyncio.Lock()
        self._started_wall = time.monotonic()
        self._turn_metrics: list[dict[str, int]] = []
        self._speaking_since: int | None = None
        # With a streaming recogniser, turns the local detector saw that the recogniser has not answered yet.
        self._local_turns: list[tuple[int, int]] = []
        self._streaming: StreamingTurns | None = None
        if recognizer is not None:
            self._streaming = StreamingTurns(
                info,
                recognizer,
                on_turn=self._remote_turn,
                on_speech=self._remote_speech,
                on_failure=self._recognizer_failed,
            )

    # ---- carrier → session -------------------------------------------------------------------------------

    async def start(self) -> None:
        """The stream is up: greet at once (the greeting's audio is cached, so it goes out immediately)."""
        self._started_wall = time.monotonic()
        self._say(AgentReply(self.agent.greeting()))
        if self._streaming is not None:
            await self._streaming.open()

    async def on_audio(self, frame: Pcm) -> None:
        if self.closed:
            return
        self._frames.append((self.now_ms, frame))
        self._samples += len(frame)
        self.now_ms = self._samples * 1000 // SAMPLE_RATE
        window_end = self.now_ms - (self.now_ms % self.vad.window_ms)
        streaming = self._streaming
        if streaming is not None and streaming.active:
            streaming.push(frame, self.now_ms)
        probabilities = self.vad.process(frame)
        # Windows completed by this frame end at or before now; number them backwards from the latest.
        for i, probability in enumerate(probabilities):
            end_ms = window_end - (len(probabilities) - 1 - i) * self.vad.window_ms
            turn = self.turns.push(probability, end_ms)
            if turn is not None:
                self._on_turn(turn)
        if streaming is not None:
            streaming.check_stall(self.now_ms, self._speaking_since)
        await self._flush()
        self._check_timers()

    def on_mark(self, name: str) -> None:
        speech = self._speech
        if speech is None or not name.startswith(f"s{speech.speech_id}."):
            return  # a mark from audio already cleared or finished
        tail = name.split(".", 1)[1]
        if tail == "end":
            self._finish_speech(speech)
        elif tail.isascii() and tail.isdigit():
            speech.confirm(int(tail))

    async def close(self, reason: str) -> None:
        """End the session (stream stopped, socket dropped, agent hung up). Safe to call more than once."""
        if self.closed:
            return
        self.closed = True
        self.end_reason = reason
        speech = self._speech
        if speech is not None and speech.first_sent_ms is not None:
            self._record_agent(speech, interrupted=True)
        self._speech = None
        for task in (self._speech_task, self._turn_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._streaming is not None:
            await self._streaming.close()
        outcome = self.agent.outcome(reason)
        self.observer.metric(self.info.call_sid, "turns", {"turns": self._turn_metrics})
        self.observer.ended(self.info.call_sid, outcome, self.now_ms)
        log.info("call %s ended: %s after %d ms", self.info.call_sid, reason, self.now_ms)

    # ---- turn-taking ---------------------------------------------------------------------------------------

    def _on_turn(self, turn: Turn) -> None:
        self._speaking_since = turn.started_ms if turn.event is TurnEvent.SPEECH_STARTED else None
        if turn.forced:
            self._speaking_since = turn.at_ms
        if self._closing_since is not None:
            return  # the farewell is playing; nothing the caller says now changes the outcome
        if self._streaming is not None and self._streaming.active:
            # The recogniser decides when a turn ends; the local detector still catches barge-in first.
            if turn.event is TurnEvent.SPEECH_STARTED:
                self._last_activity_ms = self.now_ms
                if self._speech is not None:
                    self._barge_in(turn)
            else:
                self._local_turns.append((turn.started_ms, turn.at_ms))
            return
        if turn.event is TurnEvent.SPEECH_STARTED:
            self._last_activity_ms = self.now_ms
            if self._speech is not None:
                self._barge_in(turn)
            if self._turn_task is not None and not self._turn_task.done():
                # The caller went on after a pause: drop the half-made reply and hear the whole thing.
                self._turn_task.cancel()
                self._pending_turn_start = self._pending_turn_start or turn.started_ms
            else:
                self._pending_turn_start = turn.started_ms
            return
        start_ms = self._pending_turn_start if self._pending_turn_start is not None else turn.started_ms
        self._pending_turn_start = start_ms
        if turn.forced:
            log.warning("call %s: caller spoke for %d ms without a pause", self.info.call_sid, turn.at_ms - start_ms)
            self._pending_turn_start = None  # the next piece starts where this one was cut
        audio = self._audio_between(start_ms - self.config.preroll_ms, self.now_ms)
        self._last_activity_ms = self.now_ms
        self._turn_task = asyncio.create_task(self._handle_turn(audio, start_ms, turn.at_ms))

    def _audio_between(self, start_ms: int, end_ms: int) -> Pcm:
        chunks = [frame for at, frame in self._frames if start_ms <= at < end_ms]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)

    # ---- a streaming recogniser's turns, and falling back from it --------------------------------------------

    def _remote_turn(self, text: str, start_ms: int, end_ms: int) -> None:
        if self.closed or self._closing_since is not None:
            return
        self._local_turns = [t for t in self._local_turns if t[1] > end_ms + 200]
        self._last_activity_ms = self.now_ms
        self._turn_task = asyncio.create_task(self._answer(text, start_ms, end_ms))

    def _remote_speech(self) -> None:
        if self._speech is not None and self._speech.first_sent_ms is not None:
            self._barge_in(Turn(TurnEvent.SPEECH_STARTED, self.now_ms, self.now_ms))

    def _recognizer_failed(self, reason: str, permanent: bool) -> None:
        log.warning(
            "call %s: streaming recogniser %s (%s); continuing with the offline one",
            self.info.call_sid,
            "refused us" if permanent else "failed",
            reason,
        )
        self.observer.metric(
            self.info.call_sid,
            "provider_error",
            {"provider": "stt", "reason": reason, "permanent": permanent, "at_ms": self.now_ms},
        )
        covered = self._streaming.covered_until_ms if self._streaming is not None else 0
        unanswered = [t for t in self._local_turns if t[1] > covered]
        self._local_turns = []
        if self.turns.speaking:
            # The caller is mid-sentence: the local detector will close this turn; take it from where the
            # recogniser stopped accounting, so words it heard but never finalised are transcribed again.
            start = min([t[0] for t in unanswered] + [self._speaking_since or self.now_ms])
            self._pending_turn_start = max(start, covered)
        elif unanswered and self._closing_since is None:
            start, end = max(unanswered[0][0], covered), unanswered[-1][1]
            audio = self._audio_between(start - self.config.preroll_ms, self.now_ms)
            self._turn_task = asyncio.create_task(self._handle_turn(audio, start, end))

    async def _handle_turn(self, audio: Pcm, start_ms: int, end_ms: int) -> None:
        try:
            transcript = await self.stt.transcribe(audio, self.info.language)
            text = transcript.text.strip()
            self._pending_turn_start = None
            if not text:
                log.info("call %s: nothing recognisable in %d ms of speech", self.info.call_sid, end_ms - start_ms)
                self._last_activity_ms = self.now_ms
                return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("call %s: recognising the caller's turn failed", self.info.call_sid)
            self._pending_turn_start = None
            self._say(self.agent.on_error(), caller_end_ms=end_ms)
            return
        await self._answer(text, start_ms, end_ms)

    async def _answer(self, text: str, start_ms: int, end_ms: int) -> None:
        try:
            self.observer.utterance(self.info.call_sid, UtteranceRecord("caller", text, start_ms, end_ms))
            self._silences = 0
            reply = await self.agent.reply(text)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("call %s: handling the caller's turn failed", self.info.call_sid)
            self._pending_turn_start = None
            reply = self.agent.on_error()
        self._say(reply, caller_end_ms=end_ms)

    def _barge_in(self, turn: Turn) -> None:
        speech = self._speech
        assert speech is not None
        self._speech = None
        if self._speech_task is not None:
            self._speech_task.cancel()
        self.playout.clear()
        if speech.first_sent_ms is not None:
            self._record_agent(speech, interrupted=True)
        self.observer.metric(
            self.info.call_sid,
            "barge_in",
            {"speech_started_ms": turn.started_ms, "detected_ms": turn.at_ms, "cleared_ms": self.now_ms},
        )
        self._spawn_send(self.output.clear())

    # ---- speaking ------------------------------------------------------------------------------------------

    def _say(self, reply: AgentReply, caller_end_ms: int | None = None) -> None:
        if self.closed:
            return
        if self._speech_task is not None and not self._speech_task.done():
            self._speech_task.cancel()
        self._next_speech_id += 1
        speech = AgentSpeech(self._next_speech_id, reply.text, reply.hang_up, caller_end_ms, reply.transfer_to)
        self._speech = speech
        self._speech_task = asyncio.create_task(self._synthesize(speech, reply))

    async def _sentences(self, speech: AgentSpeech, reply: AgentReply) -> AsyncIterator[str]:
        if reply.stream is None:
            for sentence in split_sentences(reply.text):
                yield sentence
            return
        texts: list[str] = []
        try:
            async for chunk in reply.stream:
                for sentence in split_sentences(chunk):
                    texts.append(sentence)
                    speech.text = " ".join(texts)
                    yield sentence
        finally:
            speech.hang_up = reply.hang_up
            speech.transfer_to = reply.transfer_to

    async def _synthesize(self, speech: AgentSpeech, reply: AgentReply) -> None:
        try:
            async for sentence in self._sentences(speech, reply):
                async for audio in self.tts.synthesize(sentence, self.info.language):
                    if self._speech is not speech:
                        return
                    index = speech.add_segment(sentence, len(audio) * 1000 // SAMPLE_RATE)
                    self.playout.enqueue(audio, speech.mark_name(index))
                    await self._flush()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("call %s: producing the agent's reply failed", self.info.call_sid)
        if self._speech is speech:
            speech.synthesis_done = True
            self.playout.enqueue(None, speech.mark_name(None))
            await self._flush()

    async def _flush(self) -> None:
        async with self._send_lock:
            outgoing = self.playout.tick(self.now_ms)
            speech = self._speech
            for item in outgoing:
                if item.audio is not None:
                    if speech is not None and speech.first_sent_ms is None:
                        self._first_audio(speech)
                    await self.output.send_audio(item.audio)
                elif item.mark is not None:
                    await self.output.send_mark(item.mark)

    def _first_audio(self, speech: AgentSpeech) -> None:
        speech.first_sent_ms = self.now_ms
        speech.first_sent_wall = time.monotonic()
        if speech.speech_id == 1:
            greeting_ms = round((speech.first_sent_wall - self._started_wall) * 1000)
            self.observer.metric(self.info.call_sid, "greeting_ms", {"greeting_ms": greeting_ms})
        if speech.caller_end_ms is not None:
            self._turn_metrics.append(
                {
                    "caller_end_ms": speech.caller_end_ms,
                    "agent_start_ms": self.now_ms,
                    "latency_ms": self.now_ms - speech.caller_end_ms,
                }
            )

    def _finish_speech(self, speech: AgentSpeech) -> None:
        self._speech = None
        self._record_agent(speech, interrupted=False)
        self._last_activity_ms = self.now_ms
        if speech.transfer_to:
            self._spawn_send(self._transfer(speech.transfer_to))
        elif speech.hang_up:
            self._spawn_send(self._hang_up())

    def _record_agent(self, speech: AgentSpeech, interrupted: bool) -> None:
        text = speech.heard_text(self.now_ms) if interrupted else speech.text
        if not text:
            return
        start = speech.first_sent_ms or self.now_ms
        end = start + speech.heard_ms(self.now_ms) if interrupted else max(self.now_ms, start)
        self.observer.utterance(self.info.call_sid, UtteranceRecord("agent", text, start, end, interrupted=interrupted))

    async def hang_up(self, reason: str) -> None:
        """End the call from outside the conversation (an advisor on the dashboard), at once."""
        self.end_reason = self.end_reason or reason
        await self._hang_up()

    async def transfer(self, number: str) -> None:
        """Hand the caller to `number` from outside the conversation (an advisor on the dashboard)."""
        await self._transfer(number)

    async def _hang_up(self) -> None:
        try:
            await self.output.hang_up()
        finally:
            await self.close(self.end_reason or "agent_hangup")

    async def _transfer(self, number: str) -> None:
        self.end_reason = "transferred"
        try:
            await self.output.transfer(number)
        finally:
            await self.close("transferred")

    def _spawn_send(self, coro) -> None:
        task = asyncio.create_task(coro)
        task.add_done_callback(_log_failure)

    # ---- timers, in media time ---------------------------------------------------------------------------

    def _check_timers(self) -> None:
        cfg = self.config
        speech = self._speech
        if (
            speech is not None
            and speech.synthesis_done
            and not self.playout.busy
            and self.now_ms - self.playout.audio_until_ms >= cfg.mark_grace_ms
        ):
            log.warning("call %s: carrier never echoed mark %s", self.info.call_sid, speech.mark_name(None))
            self._finish_speech(speech)
        if self._closing_since is not None:
            if self.now_ms - self._closing_since >= cfg.closing_grace_ms:
                self._spawn_send(self._hang_up())
                self._closing_since = self.now_ms  # once
            return
        if self.now_ms >= cfg.max_call_ms:
            log.info("call %s reached its maximum length", self.info.call_sid)
            self._closing_since = self.now_ms
            if self._turn_task is not None:
                self._turn_task.cancel()
            self.playout.clear()
            if self._speech is not None:
                self._spawn_send(self.output.clear())
            self._say(self.agent.farewell())
            self.end_reason = "max_duration"
            return
        idle = self._speech is None and not self.turns.speaking and (self._turn_task is None or self._turn_task.done())
        if idle and self.now_ms - self._last_activity_ms >= cfg.silence_timeout_ms:
            self._silences += 1
            self._last_activity_ms = self.now_ms
            reply = self.agent.on_silence(self._silences)
            if reply.hang_up:
                self.end_reason = "caller_silent"
            self._say(reply)


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("carrier command failed", exc_info=task.exception())
