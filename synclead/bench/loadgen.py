"""Many simulated Twilio callers on one event loop, measuring what each hears.

Efficiency is what lets one loop stand in for a hundred carriers' streams: the inbound frames are base64-encoded
once, every call's 20 ms tick is driven by a single timer (calls spread over ten 2 ms phase slots, as real calls
are not in step), and the server's frames are only counted and timed, never decoded into samples.

Each call is set up as Twilio sets it up: the signed voice webhook (timed: request sent → response received),
then the signed WebSocket. The greeting plays out; then the caller speaks, hears the reply out, speaks again, and
talks over the next reply `barge_at_ms` into it (timing onset → `clear`), and so on until its time is up. At
hang-up the caller sends `stop`, closes the socket, and Twilio's status callback follows (timed too).

Run as `python -m synclead.bench.loadgen --config FILE --out FILE` by the harness (one or more processes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from dataclasses import asdict, dataclass, field
from enum import Enum, auto
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from synclead.bench.stats import Histogram
from synclead.simulator.caller import SILENCE_B64, frames_of
from synclead.simulator.dialer import Dial, report_completed, ring, stream_headers
from synclead.simulator.stream import FRAME_BYTES, FRAME_MS, TwilioStream

SLOTS = 10
# A gap shorter than this is part of a burst (the server's pacing lead at the start of a sentence), not a
# steady-state frame interval; jitter is measured from the first gap past it.
BURST_GAP_MS = 10.0
# Frames are late when they arrive this much after the previous frame's audio would have finished.
LATE_MS = 20.0
# A connection with this much unsent data is not keeping up: skip its frame rather than block every call.
MAX_WRITE_BUFFER = 64 * 1024


@dataclass(frozen=True, slots=True)
class LoadConfig:
    url: str
    auth_token: str
    account_sid: str
    to_number: str
    calls: int  # placed by this process
    calls_total: int  # placed by all load processes together (the ramp spreads them all)
    first_index: int
    seconds: float
    ramp_s: float
    start_at: float  # wall clock (time.time()) when call 0 rings, shared by every load process
    # Wall-clock steady-state window (every call connected and greeted, none hung up yet); "steady" figures
    # count only what happens inside it.
    window_start: float
    window_end: float
    speech_path: str  # the caller's sentence, raw 8 kHz μ-law
    tone_samples: int  # the length of every sentence the bench voice says
    barge_at_ms: int = 600
    quiet_ms: int = 300
    reply_timeout_ms: int = 5_000


class Phase(Enum):
    GREETING = auto()
    SPEAKING = auto()
    AWAITING_REPLY = auto()
    LISTENING = auto()
    BARGING = auto()
    DONE = auto()


@dataclass(slots=True)
class Window:
    """Whether the steady-state window is open now; one for all calls of a process, moved by the ticker."""

    start: float
    end: float
    open: bool = False


@dataclass(slots=True)
class CallStats:
    greeting_ms: float | None = None
    reply_ms: list[float] = field(default_factory=list)
    barge_in_ms: list[float] = field(default_factory=list)
    barge_ins_missed: int = 0
    reply_timeouts: int = 0
    frames_received: int = 0
    late_frames: int = 0
    late_frames_steady: int = 0
    lost_frames: int = 0
    underrun_frames: int = 0
    underrun_frames_steady: int = 0
    segments: int = 0
    send_stalls: int = 0
    errors: int = 0
    ended: str = ""
    # What the status callback at hang-up was answered (Twilio expects 2xx); 0: no answer, None: not sent.
    status_code: int | None = None


class BenchCall:
    def __init__(
        self,
        index: int,
        stream: TwilioStream,
        ws: ClientConnection,
        speech: list[str],
        cfg: LoadConfig,
        window: Window | None = None,
        dial: Dial | None = None,
    ) -> None:
        self.index = index
        self.dial = dial
        self.rang_at = 0.0
        self.window = window or Window(0.0, 0.0)
        self.stream = stream
        self.ws = ws
        self.speech = speech
        self.cfg = cfg
        self.stats = CallStats()
        self.jitter = Histogram()
        self.jitter_steady = Histogram()
        # Server turnaround: from sending an inbound frame to the outbound frame that follows it. The gateway
        # paces its audio on the inbound frames, so this is its own delay, apart from this client's timing.
        self.turnaround = Histogram()
        self._last_sent = 0.0
        self.phase = Phase.GREETING
        self.started = 0.0
        self.ends_at = 0.0
        # Caller side.
        self._position = 0
        self._interrupt_next = False
        self._speech_end = 0.0
        self._onset: float | None = None
        self._quiet_ms = 0
        self._heard = False
        self._reply_base = 0
        # Server side: the current segment (audio between two marks) as it arrives.
        self._open = False
        self._steady = False
        self._last_at = 0.0
        self._last_ms = 0.0
        self._segment_samples = 0

    # --- every 20 ms --------------------------------------------------------------------------------------------

    def tick(self, now: float) -> list[str]:
        playout = self.stream.playout
        if self._open and self._segment_samples and playout.pending == 0:
            self.stats.underrun_frames += 1
            if self.window.open:
                self.stats.underrun_frames_steady += 1
        playing = playout.pending > 0
        payload = self._next_payload(now, playing)
        self._last_sent = now
        return self.stream.tick(payload)

    def _next_payload(self, now: float, playing: bool) -> str:
        cfg = self.cfg
        if self.phase in (Phase.SPEAKING, Phase.BARGING):
            if self._position == 0 and self.phase is Phase.BARGING:
                self._onset = now
            payload = self.speech[self._position]
            self._position += 1
            if self._position == len(self.speech):
                self._speech_end = now
                if self.phase is Phase.BARGING and self._onset is not None:
                    self.stats.barge_ins_missed += 1  # spoke a whole sentence over the agent: never cleared
                    self._onset = None
                self.phase = Phase.AWAITING_REPLY
            return payload
        if self.phase is Phase.AWAITING_REPLY:
            if (now - self._speech_end) * 1000 >= cfg.reply_timeout_ms:
                self.stats.reply_timeouts += 1
                self._start_turn(interrupt_next=False)
            return SILENCE_B64
        # GREETING or LISTENING: wait for the agent to finish, or cut in.
        if playing:
            self._heard, self._quiet_ms = True, 0
        else:
            self._quiet_ms += FRAME_MS
        if self.phase is Phase.LISTENING and self._interrupt_next:
            heard_ms = (self.stream.playout.played - self._reply_base) / 8
            if heard_ms >= cfg.barge_at_ms:
                self._interrupt_next = False
                self.phase, self._position = Phase.BARGING, 0
                return self._next_payload(now, playing)
        if self._heard and self._quiet_ms >= cfg.quiet_ms:
            # Every other reply is interrupted: speak now, and cut into the answer to this turn.
            self._start_turn(interrupt_next=not self._interrupt_next and self.phase is Phase.LISTENING)
            return self._next_payload(now, playing)
        return SILENCE_B64

    def _start_turn(self, interrupt_next: bool) -> None:
        self.phase, self._position = Phase.SPEAKING, 0
        self._interrupt_next = interrupt_next
        self._heard, self._quiet_ms = False, 0

    # --- what the server sends ------------------------------------------------------------------------------

    def on_message(self, text: str | bytes, now: float) -> list[str]:
        received = self.stream.receive(text)
        event = received.event
        stats = self.stats
        if event == "media":
            samples = received.samples
            stats.frames_received += samples // FRAME_BYTES
            if stats.greeting_ms is None:
                stats.greeting_ms = (now - self.started) * 1000
            if self.phase is Phase.AWAITING_REPLY:
                stats.reply_ms.append((now - self._speech_end) * 1000)
                self.phase, self._reply_base = Phase.LISTENING, self.stream.playout.played
                self._heard, self._quiet_ms = True, 0
            if not self._open:
                self._open, self._steady, self._segment_samples = True, False, 0
            elif self._segment_samples:
                gap = (now - self._last_at) * 1000
                steady = self.window.open
                if gap > self._last_ms + LATE_MS:
                    stats.late_frames += 1
                    stats.late_frames_steady += steady
                if self._steady or gap >= BURST_GAP_MS:
                    self._steady = True
                    deviation = abs(gap - self._last_ms)
                    self.jitter.add(deviation)
                    if steady:
                        self.jitter_steady.add(deviation)
                        self.turnaround.add((now - self._last_sent) * 1000)
            self._segment_samples += samples
            self._last_at, self._last_ms = now, samples / 8
        elif event == "mark":
            if self._open and self._segment_samples:
                # Every sentence is the same tone: a finished sentence that came up short lost frames.
                expected = -(-self.cfg.tone_samples // FRAME_BYTES) * FRAME_BYTES
                stats.lost_frames += max(0, expected - self._segment_samples) // FRAME_BYTES
                stats.segments += 1
            self._open = False
        elif event == "clear":
            self._open = False
            if self._onset is not None:
                stats.barge_in_ms.append((now - self._onset) * 1000)
                self._onset = None
        else:
            stats.errors += 1
        return received.echoes


# --- running the calls ------------------------------------------------------------------------------------------


class LoadGenerator:
    def __init__(self, cfg: LoadConfig) -> None:
        self.cfg = cfg
        mulaw = Path(cfg.speech_path).read_bytes()
        self.speech = frames_of(mulaw)
        self.calls: list[BenchCall] = []
        self.slots: list[list[BenchCall]] = [[] for _ in range(SLOTS)]
        self.failures: list[str] = []
        self.tick_late = Histogram()
        # Twilio's webhooks, request sent → response received, as the carrier would wait for them.
        self.webhook = Histogram()
        self.status_webhook = Histogram()
        self.status_failures: list[str] = []
        self.window = Window(0.0, 0.0)
        self._client: httpx.AsyncClient | None = None
        self._pending = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self) -> dict[str, Any]:
        cfg = self.cfg
        loop = asyncio.get_running_loop()
        # The shared wall-clock start, converted to this loop's clock.
        offset = loop.time() - time.time()
        start = cfg.start_at + offset
        self.window = Window(cfg.window_start + offset, cfg.window_end + offset)
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=50)) as client:
            self._client = client
            setups = []
            for i in range(cfg.calls):
                index = cfg.first_index + i
                at = start + index * cfg.ramp_s / max(1, cfg.calls_total)
                setups.append(asyncio.create_task(self._place(client, index, at)))
            self._pending = len(setups)
            ticker = asyncio.create_task(self._drive(start))
            await asyncio.gather(*setups)
            await ticker
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=10)
        return self._result()

    async def _place(self, client: httpx.AsyncClient, index: int, at: float) -> None:
        cfg = self.cfg
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, at - loop.time()))
        dial = Dial(cfg.account_sid, f"+3361{index:07d}", cfg.to_number)
        try:
            rang_at = loop.time()
            twiml = await ring(client, cfg.url, dial, cfg.auth_token)
            self.webhook.add((loop.time() - rang_at) * 1000)
            ws = await connect(
                twiml.url,
                additional_headers=stream_headers(twiml.url, cfg.auth_token),
                compression=None,
                open_timeout=30,
            )
            stream = TwilioStream(cfg.account_sid, dial.call_sid, twiml.parameters)
            call = BenchCall(index, stream, ws, self.speech, cfg, self.window, dial)
            call.rang_at = rang_at
            await ws.send(stream.connected())
            call.started = loop.time()
            call.ends_at = call.started + cfg.seconds
            await ws.send(stream.start())
        except Exception as exc:  # every failure is a result here, never a crash of the other calls
            self.failures.append(f"call {index}: {type(exc).__name__}: {exc}")
            return
        finally:
            self._pending -= 1
        self.calls.append(call)
        self.slots[index % SLOTS].append(call)
        self._spawn(self._read(call))

    async def _read(self, call: BenchCall) -> None:
        loop = asyncio.get_running_loop()
        try:
            async for text in call.ws:
                for echo in call.on_message(text, loop.time()):
                    await call.ws.send(echo)
        except ConnectionClosed:
            pass
        if call.phase is not Phase.DONE:
            call.phase, call.stats.ended = Phase.DONE, "server-closed"
        # However the call ended, Twilio reports it once the stream is over.
        await call.ws.wait_closed()
        await self._report_status(call)

    async def _report_status(self, call: BenchCall) -> None:
        assert self._client is not None and call.dial is not None
        loop = asyncio.get_running_loop()
        cfg = self.cfg
        sent_at = loop.time()
        try:
            code = await report_completed(self._client, cfg.url, call.dial, cfg.auth_token, sent_at - call.rang_at)
        except httpx.HTTPError as exc:
            call.stats.status_code = 0
            self.status_failures.append(f"call {call.index}: status callback: {type(exc).__name__}: {exc}")
            return
        self.status_webhook.add((loop.time() - sent_at) * 1000)
        call.stats.status_code = code
        if not 200 <= code < 300:
            self.status_failures.append(f"call {call.index}: status callback answered {code}")

    async def _drive(self, start: float) -> None:
        loop = asyncio.get_running_loop()
        step = FRAME_MS / 1000 / SLOTS
        n = 0
        while self._pending or any(c.phase is not Phase.DONE for c in self.calls):
            n += 1
            target = start + n * step
            delay = target - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            now = loop.time()
            self.window.open = self.window.start <= now < self.window.end
            if self.window.open:
                self.tick_late.add(max(0.0, now - target) * 1000)
            for call in self.slots[n % SLOTS]:
                if call.phase is Phase.DONE:
                    continue
                if now >= call.ends_at:
                    await self._hang_up(call, "completed")
                    continue
                if call.ws.transport.get_write_buffer_size() > MAX_WRITE_BUFFER:
                    call.stats.send_stalls += 1
                    continue
                try:
                    for message in call.tick(now):
                        await call.ws.send(message)
                except ConnectionClosed:
                    call.phase, call.stats.ended = Phase.DONE, "server-closed"

    async def _hang_up(self, call: BenchCall, how: str) -> None:
        call.phase, call.stats.ended = Phase.DONE, how
        with contextlib.suppress(ConnectionClosed):
            await call.ws.send(call.stream.stop())
        # Closing ends the call's reader, which then sends the status callback.
        self._spawn(call.ws.close())

    def _result(self) -> dict[str, Any]:
        merged = {"jitter": Histogram(), "jitter_steady": Histogram(), "turnaround": Histogram()}
        for call in self.calls:
            for name, histogram in merged.items():
                histogram.merge(getattr(call, name))
        return {
            "calls": [asdict(call.stats) | {"errors_seen": call.stream.errors[:3]} for call in self.calls],
            "failures": self.failures,
            "status_failures": self.status_failures,
            **{name: histogram.to_json() for name, histogram in merged.items()},
            "tick_late": self.tick_late.to_json(),
            "webhook": self.webhook.to_json(),
            "status_webhook": self.status_webhook.to_json(),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    cfg = LoadConfig(**json.loads(args.config.read_text()))
    result = asyncio.run(LoadGenerator(cfg).run())
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
