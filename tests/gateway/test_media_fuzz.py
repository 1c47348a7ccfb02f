"""The media WebSocket under property-based fuzzing, against a running gateway.

A real gateway (`create_app`, the benchmark providers, the product's Silero VAD) serves on a loopback port.
Hypothesis writes whole Media Streams sessions: well-formed messages in any order, and every kind of bad frame
(binary, truncated or nested JSON, wrong types in every field, unknown events, invalid base64, payloads and frames
at and past each size limit, another stream's SID, invalid UTF-8). Each goes to a stream of its own, on a call rung
through the signed voice webhook, while one legitimate call (its one-time token, 20 ms frames at real pace, marks
echoed as Twilio echoes them) runs beside them from the first example to the last.

Each example is checked against `predict`, a model of the failure table in docs/ARCHITECTURE.md written from the
protocol rather than from the parser: the close code, what became of the call's row, and that nothing was logged as
an error or with a traceback. Examples are derandomized and no example database is kept, so CI runs the same
inputs every time; `pytest -s` prints the figures (sessions and frames sent by class of input, and the close code
each class met).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import websockets
from asgiref.sync import sync_to_async
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect as connect_sync

from synclead.audio import mulaw
from synclead.bench.audio import render_caller_speech
from synclead.config import get_settings
from synclead.gateway import database, media
from synclead.simulator.dialer import Dial, parse_twiml
from synclead.simulator.stream import FRAME_BYTES, FRAME_MS, TwilioStream, b64, new_sid
from synclead.telephony.twilio.signatures import SIGNATURE_HEADER, sign
from synclead.web.calls.models import Call, CallStatus, Role
from tests.gateway.calls import ORG_NUMBER, STUCK_S, Gateway, dial, signed
from tests.gateway.media_protocol import (
    MESSAGE_TOO_BIG,
    NORMAL,
    Ending,
    Frame,
    Ids,
    Kind,
    Outcome,
    Script,
    frame,
    predict,
    representatives,
    scripts,
    valid,
)

pytestmark = [pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 300
CALLER_NUMBER = "+33612345678"
# A stream that never sends `start` is dropped after media.START_TIMEOUT_S; shortened here so that the examples
# which test it cost a fraction of a second.
START_TIMEOUT_S = 0.3
ABNORMAL = 1006  # the connection ended without a close frame


@pytest.fixture
def fuzz_gateway(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> Gateway:
    monkeypatch.setattr(media, "START_TIMEOUT_S", START_TIMEOUT_S)
    # The legitimate call lasts as long as the fuzzing does: no maximum call length may end it first. Read by
    # each call as it starts.
    monkeypatch.setattr(get_settings(), "max_call_s", 3600)
    return gateway


# ---- the server's log ---------------------------------------------------------------------------------------

# uvicorn's sans-I/O WebSocket logs this with a traceback for every text frame that is not UTF-8, then closes
# 1007 as it should. It is uvicorn's line, not a failure of ours; it is counted (a client can make the server log
# it at will) and reported, not treated as an unhandled exception.
UVICORN_BAD_UTF8 = "Invalid UTF-8 sequence received from client."


class Problems(logging.Handler):
    """Every record at ERROR or above, or carrying a traceback, from the loggers the gateway writes to."""

    # Not "websockets": the gateway's socket layer logs through uvicorn's loggers; that one is this test's client.
    LOGGERS = ("synclead", "uvicorn", "asyncio", "django")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.bad_utf8 = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.ERROR and not record.exc_info:
            return
        if record.name == "uvicorn.error" and record.getMessage() == UVICORN_BAD_UTF8:
            self.bad_utf8 += 1
            return
        self.records.append(record)

    def describe(self, since: int = 0) -> list[str]:
        return [
            f"{r.name} {r.levelname}: {r.getMessage()} {r.exc_info[1] if r.exc_info else ''}"
            for r in self.records[since:]
        ]

    @contextlib.contextmanager
    def attached(self) -> Iterator[Problems]:
        loggers = [logging.getLogger(name) for name in self.LOGGERS]
        for logger in loggers:
            logger.addHandler(self)
        try:
            yield self
        finally:
            for logger in loggers:
                logger.removeHandler(self)


# ---- the legitimate call ------------------------------------------------------------------------------------


@dataclass
class LegitimateCall:
    """A caller that says a sentence, waits for the agent's answer to play out, and says it again, at real pace."""

    gateway: Gateway
    speech: list[str]  # the sentence, 20 ms μ-law frames, base64
    call_sid: str = ""
    turns: list[float] = field(default_factory=list)  # when each sentence ended (loop time)
    agent_frames: list[float] = field(default_factory=list)  # when each frame of agent audio arrived
    speeches_played: int = 0  # `.end` marks echoed: the greeting, then one per answer
    clears: int = 0
    errors: list[str] = field(default_factory=list)
    close_code: int | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, finish: asyncio.Event) -> None:
        call, stream, public = await dial(self.gateway)
        self.call_sid = call.call_sid
        loop = asyncio.get_running_loop()
        async with websockets.connect(self.gateway.media_url, additional_headers=signed(public)) as ws:
            await ws.send(stream.connected())
            await ws.send(stream.start())
            reader = asyncio.create_task(self._read(ws, stream))
            silence = b64(mulaw.silence())
            spoken = -1  # the next frame of the sentence, or -1 when not speaking
            quiet_since = loop.time()
            t0 = loop.time()
            tick = 0
            while True:
                tick += 1
                # Frames are due every 20 ms of wall time; a late wake-up sends the missed ones at once.
                await asyncio.sleep(max(0.0, t0 + tick * FRAME_MS / 1000 - loop.time()))
                payload = self.speech[spoken] if spoken >= 0 else silence
                for text in stream.tick(payload):
                    await ws.send(text)
                now = loop.time()
                if spoken >= 0:
                    spoken += 1
                    if spoken == len(self.speech):
                        spoken = -1
                        self.turns.append(now)
                        quiet_since = now
                    continue
                if self.agent_frames and self.agent_frames[-1] > quiet_since:
                    quiet_since = self.agent_frames[-1]
                answered = self.speeches_played >= len(self.turns) + 1  # the greeting, then one per sentence
                idle = stream.playout.pending == 0 and now - quiet_since >= 1.0
                given_up = bool(self.turns) and now - self.turns[-1] > 8.0  # an answer that never came
                self.started.set()
                if idle and (answered or given_up):
                    if finish.is_set():
                        break
                    spoken = 0
            await ws.send(stream.stop())
            with contextlib.suppress(websockets.ConnectionClosed):
                await asyncio.wait_for(reader, 10)
            self.close_code = ws.close_code
            self.errors += stream.errors

    async def _read(self, ws: websockets.ClientConnection, stream: TwilioStream) -> None:
        loop = asyncio.get_running_loop()
        async for text in ws:
            received = stream.receive(text)
            if received.event == "media":
                self.agent_frames.append(loop.time())
            elif received.event == "mark" and received.mark.endswith(".end"):
                # Echoed by `tick` once played; counted here when queued, so wait for the playout too.
                self.speeches_played += 1
            elif received.event == "clear":
                self.clears += 1
                for echo in received.echoes:
                    await ws.send(echo)

    def unanswered(self) -> list[int]:
        """The sentences after which no agent audio arrived within 5 s."""
        return [i for i, end in enumerate(self.turns) if not any(end < t <= end + 5.0 for t in self.agent_frames)]


# ---- ringing and streaming ----------------------------------------------------------------------------------


def voice_form(dial: Dial) -> tuple[dict[str, str], dict[str, str]]:
    settings = get_settings()
    form = dial.form("ringing")
    return form, {SIGNATURE_HEADER: sign(f"{settings.public_url}/twilio/voice", form, settings.twilio_auth_token)}


def dial_sync(client: httpx.Client, base_url: str) -> tuple[Ids, str]:
    dial = Dial(get_settings().twilio_account_sid, CALLER_NUMBER, ORG_NUMBER)
    form, headers = voice_form(dial)
    response = client.post(f"{base_url}/twilio/voice", data=form, headers=headers)
    assert response.status_code == 200, response.text
    twiml = parse_twiml(response.text)
    return Ids(dial.account_sid, dial.call_sid, new_sid("MZ"), twiml.parameters["token"]), twiml.url


def complete(client: httpx.Client, base_url: str, ids: Ids) -> None:
    settings = get_settings()
    dial = Dial(ids.account_sid, CALLER_NUMBER, ORG_NUMBER, call_sid=ids.call_sid)
    form = dial.form("completed") | {"CallDuration": "1"}
    signature = sign(f"{settings.public_url}/twilio/status", form, settings.twilio_auth_token)
    response = client.post(f"{base_url}/twilio/status", data=form, headers={SIGNATURE_HEADER: signature})
    assert response.status_code == 204, response.text


def play(media_url: str, headers: dict[str, str], frames: list[Frame], stop: str | None, close: bool) -> int | None:
    """Send `frames`, then `stop` if given, or close the socket if asked; return the close code the server sent,
    None if the client closed first."""
    with connect_sync(media_url, additional_headers=headers, max_size=None, close_timeout=2) as ws:
        with contextlib.suppress(websockets.ConnectionClosed):
            for item in frames:
                # `text` decides the frame's type whatever the data: bytes as text is how invalid UTF-8 gets sent.
                ws.send(item.data, text=not item.binary)
            if close:
                ws.close()
                return None
            if stop is not None:
                ws.send(stop)
        deadline = time.monotonic() + 5
        with contextlib.suppress(websockets.ConnectionClosed, TimeoutError):
            while time.monotonic() < deadline:
                ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        return ws.close_code


# ---- figures ------------------------------------------------------------------------------------------------


@dataclass
class Figures:
    examples: int = 0
    frames: int = 0
    started: int = 0
    sent: Counter[str] = field(default_factory=Counter)  # frames sent, by class
    skipped: Counter[str] = field(default_factory=Counter)  # refused mid-call and counted, by class
    endings: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))  # close code by cause

    def add(self, frames: list[Frame], expected: Outcome, code: int | None) -> None:
        self.examples += 1
        self.frames += len(frames)
        self.started += expected.started
        self.sent.update(f.label for f in frames)
        self.skipped.update(frames[i].label for i in expected.skipped)
        self.endings[expected.cause][str(code)] += 1

    def table(self) -> str:
        return "\n".join(
            [
                f"{self.examples} sessions, {self.frames} frames sent, {self.started} streams started",
                "frames sent, by class:",
                *(f"  {n:5d}  {label}" for label, n in self.sent.most_common()),
                "refused mid-call and counted toward the limit, by class:",
                *(f"  {n:5d}  {label}" for label, n in self.skipped.most_common()),
                "how each session ended (the server's close code), by the input that decided it:",
                *(
                    f"  {cause}: " + ", ".join(f"{code} x{n}" for code, n in sorted(codes.items()))
                    for cause, codes in sorted(self.endings.items())
                ),
            ]
        )


# ---- the test -----------------------------------------------------------------------------------------------


@dataclass
class Run:
    """What a group of sessions shares: the gateway, a webhook client, the server's log, the figures."""

    gateway: Gateway
    problems: Problems
    figures: Figures
    beside: int = 0  # streams that run all along, beside the sessions (the legitimate call)
    client: httpx.Client = field(default_factory=httpx.Client)

    def session(self, make_script: Callable[[Ids], Script]) -> int | None:
        """Ring a call, stream the script its SIDs and token make, check the outcome; return the close code."""
        ids, public = dial_sync(self.client, self.gateway.url)
        try:
            # Made once the call has rung: the script needs its SIDs and token. A draw Hypothesis abandons raises
            # here too, so the call is always completed below.
            return self.check(make_script(ids), ids, public)
        finally:
            # Twilio ends the call (after the fallback verbs, for a stream that never started) and says so: the
            # line the call held is free again.
            complete(self.client, self.gateway.url, ids)

    def check(self, script: Script, ids: Ids, public: str) -> int | None:
        expected = predict(script.frames, script.ending)
        # Nothing after the frame that decides is read by the server, so nothing after it is sent (see
        # UVICORN_BAD_UTF8 for what happens when a frame arrives together with the client's close).
        frames = script.frames if expected.at is None else script.frames[: expected.at + 1]
        undecided = expected.at is None
        hang_up = undecided and expected.started and script.ending is Ending.HANG_UP
        stop = json.dumps(valid("stop", ids)) if hang_up else None
        before = len(self.problems.records)
        code = play(self.gateway.media_url, signed(public), frames, stop, undecided and script.ending is Ending.CLOSE)
        self.figures.add(frames, expected, code)
        if expected.code == MESSAGE_TOO_BIG and code == ABNORMAL:
            # uvicorn closes the connection as soon as the frame's header says it is too big, while the rest of it
            # is still arriving: the kernel answers that with a reset, which may reach the client before the close
            # frame. Only the code is lost; the log check below still catches a handler that failed.
            code = MESSAGE_TOO_BIG
        assert code == expected.code, f"closed {code}, expected {expected}"
        row = final_row(self.gateway, ids.call_sid, self.beside)
        if row.stream_started_at is not None:
            assert expected.started, expected
            assert (row.end_reason, row.status) == (expected.end_reason, CallStatus.COMPLETED), expected
        else:
            # The stream never proved itself: the call can still be streamed properly, and is not "in progress".
            # uvicorn drops the frames that arrived in the same read as an oversized one: `start` may be among them.
            assert not expected.started or expected.code == MESSAGE_TOO_BIG, expected
            assert row.stream_token == ids.token and row.status == CallStatus.RINGING and not row.end_reason
        assert self.problems.describe(before) == [], f"the server logged a failure for {expected}"
        return code

    def close(self) -> None:
        self.client.close()
        connections.close_all()  # this thread's


def fuzz(run: Run) -> None:
    """The Hypothesis examples, in a thread of their own: the gateway and the legitimate call keep the event loop."""

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        # Big frames, filtered draws, a server round trip per example: all on purpose.
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def session(data: st.DataObject) -> None:
        run.session(lambda ids: data.draw(scripts(ids), label="script"))

    try:
        session()
    finally:
        run.close()


def sweep(run: Run) -> dict[str, tuple[int | None, int | None]]:
    """Each class of bad frame once before `start`, then past the limit mid-call; the close codes, by class."""
    seen: dict[str, tuple[int | None, int | None]] = {}
    try:
        for label in representatives(Ids("AC", "CA", "MZ", "token")):

            def alone(ids: Ids, label: str = label) -> Script:
                return Script([representatives(ids)[label]], Ending.HANG_UP)

            def mid_call(ids: Ids, label: str = label) -> Script:
                bad = representatives(ids)[label]
                start = frame(valid("start", ids), Kind.START, "start")
                return Script([start, *[bad] * (media.MAX_PROTOCOL_ERRORS + 1)], Ending.HANG_UP)

            seen[label] = (run.session(alone), run.session(mid_call))
    finally:
        run.close()
    return seen


def final_row(gateway: Gateway, call_sid: str, beside: int) -> Call:
    """The call's row once the session's stream handler has returned (only the `beside` streams are left running)
    and the database thread has written what it queued: the gateway's last word on that call."""
    deadline = time.monotonic() + STUCK_S
    while gateway.streams.running > beside:
        assert time.monotonic() < deadline, "a stream's handler never returned"
        time.sleep(0.005)
    database.drain()
    return Call.objects.get(call_sid=call_sid)


async def caller_sentence() -> list[str]:
    """The legitimate caller's sentence, spoken by the offline voice (Silero hears a tone as noise), in frames."""
    ulaw = mulaw.encode(await render_caller_speech())
    ulaw += mulaw.silence(-len(ulaw) % FRAME_BYTES)
    return [b64(ulaw[i : i + FRAME_BYTES]) for i in range(0, len(ulaw), FRAME_BYTES)]


async def test_fuzzed_streams_end_as_documented_while_a_real_call_goes_on(fuzz_gateway: Gateway) -> None:
    figures = Figures()
    loop = asyncio.get_running_loop()
    with Problems().attached() as problems:
        legit = LegitimateCall(fuzz_gateway, await caller_sentence())
        finish = asyncio.Event()
        running = asyncio.create_task(legit.run(finish))
        await asyncio.wait_for(legit.started.wait(), STUCK_S)
        fuzz_started = loop.time()
        try:
            await asyncio.to_thread(fuzz, Run(fuzz_gateway, problems, figures, beside=1))
        finally:
            finish.set()
            await asyncio.wait_for(running, STUCK_S)
        seconds = loop.time() - fuzz_started
        await fuzz_gateway.settled()
        # The figures, for whoever reads the run (pytest -s, or the report of a failure).
        print(f"\n{figures.table()}\nuvicorn's invalid UTF-8 tracebacks: {problems.bad_utf8}")
        print(
            f"legitimate call: {len(legit.turns)} sentences over {seconds:.0f} s of fuzzing, "
            f"{len(legit.agent_frames)} agent frames, {legit.speeches_played} speeches, close {legit.close_code}"
        )
        assert problems.describe() == []

    # The legitimate call spoke all through the run, heard an answer to every sentence, and ended as its caller
    # chose. A sentence and its answer take about 6 s; a gap of 15 s is a call held up.
    moments = [fuzz_started, *legit.turns, fuzz_started + seconds]
    assert max(b - a for a, b in itertools.pairwise(moments)) < 15, "the caller spoke all through"
    assert legit.unanswered() == [], "every sentence was answered"
    assert legit.errors == [] and legit.clears == 0
    assert legit.close_code == NORMAL
    row = await sync_to_async(Call.objects.get)(call_sid=legit.call_sid)
    assert row.end_reason == "caller_hangup"
    assert await sync_to_async(row.utterances.filter(role=Role.CALLER).count)() == len(legit.turns)
    # Nothing the fuzzing did left a call "in progress".
    assert not await sync_to_async(Call.objects.filter(status=CallStatus.IN_PROGRESS).exists)()


async def test_a_stream_that_never_starts_is_dropped_on_time_however_it_trickles(fuzz_gateway: Gateway) -> None:
    # The upgrade's signature covers only the stream's URL, the same for every call: whoever saw one can open
    # sockets at will. Until `start` proves the call, the socket gets START_TIMEOUT_S in all, not per frame.
    call, stream, public = await dial(fuzz_gateway)
    loop = asyncio.get_running_loop()
    async with websockets.connect(fuzz_gateway.media_url, additional_headers=signed(public)) as ws:
        opened = loop.time()

        async def trickle() -> None:
            with contextlib.suppress(websockets.ConnectionClosed):
                while True:
                    await ws.send(stream.connected())
                    await asyncio.sleep(START_TIMEOUT_S / 4)

        sending = asyncio.create_task(trickle())
        with contextlib.suppress(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.wait_closed(), 10 * START_TIMEOUT_S)
        sending.cancel()
        assert ws.close_code == media.POLICY_VIOLATION
        assert loop.time() - opened < 3 * START_TIMEOUT_S
    await fuzz_gateway.settled()
    row = await sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.stream_started_at is None and row.status == CallStatus.RINGING


async def test_every_class_of_bad_frame_ends_as_documented(fuzz_gateway: Gateway) -> None:
    figures = Figures()
    with Problems().attached() as problems:
        seen = await asyncio.to_thread(sweep, Run(fuzz_gateway, problems, figures))
        await fuzz_gateway.settled()
    print(f"\n{figures.table().splitlines()[0]}\nclose code by class of bad frame: alone / repeated mid-call")
    for label, (alone, mid_call) in seen.items():
        print(f"  {label}: {alone} / {mid_call}")
    assert len(seen) == len(representatives(Ids("AC", "CA", "MZ", "token")))
