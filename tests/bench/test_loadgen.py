"""What a benchmark caller measures, fed hand-timed server messages."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import numpy as np

from synclead.bench.audio import tone_burst, trim_silence
from synclead.bench.loadgen import BenchCall, LoadConfig, LoadGenerator, Phase, Window
from synclead.bench.providers import GREETING, FixedSTT, FixedVoice, InstantAgent
from synclead.bench.stats import Histogram
from synclead.simulator.dialer import Dial
from synclead.simulator.stream import TwilioStream, b64
from synclead.telephony.twilio import messages
from synclead.telephony.twilio.signatures import SIGNATURE_HEADER, verify

FRAME = b"\x00" * 160
SPEECH = [b64(b"\x10" * 160)] * 5


def make_config(speech_path: str = "", tone_samples: int = 800) -> LoadConfig:
    return LoadConfig(
        url="http://x",
        auth_token="t",
        account_sid="AC" + "0" * 32,
        to_number="+33142685300",
        calls=1,
        calls_total=1,
        first_index=0,
        seconds=30,
        ramp_s=0,
        start_at=0,
        window_start=0,
        window_end=0,
        speech_path=speech_path,
        tone_samples=tone_samples,
        barge_at_ms=40,
        quiet_ms=40,
    )


def make_call(tone_samples: int = 800, window: Window | None = None) -> BenchCall:
    cfg = make_config(tone_samples=tone_samples)
    stream = TwilioStream(cfg.account_sid, "CA" + "1" * 32, {})
    return BenchCall(0, stream, None, SPEECH, cfg, window)  # type: ignore[arg-type]


def media(call: BenchCall, at: float, frames: int = 1) -> None:
    call.on_message(messages.media_message(call.stream.stream_sid, FRAME * frames), at)


def mark(call: BenchCall, at: float, name: str = "m") -> None:
    call.on_message(messages.mark_message(call.stream.stream_sid, name), at)


def test_jitter_skips_the_opening_burst_and_late_frames_are_counted() -> None:
    call = make_call()
    for at in (0.0, 0.0, 0.0, 0.0, 0.020, 0.040, 0.061, 0.120):
        media(call, at)
    assert call.stats.greeting_ms == 0.0
    assert call.jitter.counts == Histogram({0: 2, 10: 1, 390: 1}).counts  # 0, 0, 1 and 39 ms off 20 ms
    assert call.stats.late_frames == 1
    assert call.stats.late_frames_steady == 0 and call.jitter_steady.total == 0  # outside the window


def test_steady_figures_count_inside_the_window_only() -> None:
    window = Window(0.0, 1.0)
    call = make_call(window=window)
    window.open = True
    call.tick(0.0)  # an inbound frame goes out at 0
    for at in (0.001, 0.001, 0.021, 0.070):
        media(call, at)
    window.open = False
    media(call, 0.2)
    assert call.stats.late_frames == 2 and call.stats.late_frames_steady == 1
    assert call.jitter_steady.total == 2 and call.jitter.total == 3
    assert call.turnaround.percentile(50) == 21.0  # since the last inbound frame, sent at 0


def test_a_finished_sentence_that_came_up_short_lost_frames() -> None:
    call = make_call(tone_samples=800)
    media(call, 0.0, frames=5)
    mark(call, 0.0)
    media(call, 1.0, frames=3)
    mark(call, 1.0)
    assert (call.stats.segments, call.stats.lost_frames) == (2, 2)


def test_a_dry_buffer_inside_a_sentence_is_an_underrun() -> None:
    call = make_call()
    media(call, 0.0)
    call.tick(0.0)  # plays the one frame
    call.tick(0.02)  # nothing left and no mark yet: the caller hears a gap
    mark(call, 0.03)
    call.tick(0.04)  # after the mark, quiet is the end of the sentence, not a gap
    assert call.stats.underrun_frames == 1


def test_the_caller_speaks_after_the_greeting_and_cuts_into_every_other_reply() -> None:
    call = make_call()
    sid = call.stream.stream_sid
    t = 0.0

    def tick() -> list[messages.Message]:
        nonlocal t
        t += 0.02
        return [messages.parse(m) for m in call.tick(t)]

    media(call, t, frames=2)  # the greeting: 40 ms
    phases = []
    for _ in range(6):
        tick()
        phases.append(call.phase)
    assert phases[-1] is Phase.SPEAKING  # greeting played, 40 ms quiet, first turn
    while call.phase is Phase.SPEAKING:
        tick()
    assert call.phase is Phase.AWAITING_REPLY
    media(call, t + 0.3, frames=10)  # reply 1
    assert len(call.stats.reply_ms) == 1 and abs(call.stats.reply_ms[0] - 300) < 1e-6
    while call.phase is Phase.LISTENING:
        tick()
    assert call.phase is Phase.SPEAKING  # reply 1 heard out, second turn
    while call.phase is Phase.SPEAKING:
        tick()
    media(call, t + 0.2, frames=50)  # reply 2: the caller cuts in 40 ms into it
    while call.phase is Phase.LISTENING:
        tick()
    assert call.phase is Phase.BARGING
    onset = t
    tick()
    call.on_message(messages.clear_message(sid), onset + 0.09)
    assert [round(v) for v in call.stats.barge_in_ms] == [90]
    assert call.stream.playout.pending == 0


def test_tone_and_trim() -> None:
    tone = tone_burst(2000)
    assert len(tone) == 16000 and 5000 < np.abs(tone).max() < 32767
    padded = np.concatenate([np.zeros(480, np.int16), tone[:1600], np.zeros(320, np.int16)])
    assert len(trim_silence(padded)) == 1600
    assert len(trim_silence(np.zeros(800, np.int16))) == 0


async def test_bench_providers_answer_after_fixed_delays() -> None:
    stt, voice, agent = FixedSTT(0.01), FixedVoice(0.05), InstantAgent()
    assert (await stt.transcribe(np.zeros(160, np.int16), "en")).text
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert [len(a) async for a in voice.synthesize(GREETING, "en")] == [16000]
    assert loop.time() - started < 0.04  # the greeting is "cached"
    assert [len(a) async for a in voice.synthesize("Anything.", "en")] == [16000]
    assert loop.time() - started >= 0.05
    assert agent.greeting() == GREETING and not (await agent.reply("hi")).hang_up


def hung_up_call(tmp_path: Path) -> tuple[LoadGenerator, BenchCall]:
    speech = tmp_path / "speech.ulaw"
    speech.write_bytes(b"\xff" * 1600)
    cfg = make_config(str(speech))
    dial = Dial(cfg.account_sid, "+33610000000", cfg.to_number)
    stream = TwilioStream(cfg.account_sid, dial.call_sid, {})
    return LoadGenerator(cfg), BenchCall(0, stream, None, SPEECH, cfg, dial=dial)  # type: ignore[arg-type]


async def test_the_status_callback_is_signed_as_twilio_signs_it_and_timed(tmp_path: Path) -> None:
    generator, call = hung_up_call(tmp_path)
    cfg, dial = generator.cfg, call.dial
    assert dial is not None
    call.rang_at = asyncio.get_running_loop().time() - 12.4
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        generator._client = client
        await generator._report_status(call)

    (request,) = seen
    assert str(request.url) == "http://x/twilio/status"
    form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    assert form["CallSid"] == dial.call_sid and form["AccountSid"] == cfg.account_sid
    assert form["CallStatus"] == "completed" and form["CallDuration"] == "12"  # whole seconds
    assert (form["From"], form["To"]) == ("+33610000000", cfg.to_number)
    assert verify(str(request.url), form, request.headers[SIGNATURE_HEADER], cfg.auth_token)
    assert call.stats.status_code == 204 and generator.status_webhook.total == 1
    assert not generator.status_failures


async def test_a_status_callback_without_an_answer_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    generator, call = hung_up_call(tmp_path)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        generator._client = client
        await generator._report_status(call)
    assert call.stats.status_code == 0 and generator.status_webhook.total == 0
    assert generator.status_failures == ["call 0: status callback: ConnectError: refused"]
