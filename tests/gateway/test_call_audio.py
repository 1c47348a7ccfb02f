"""The call's stereo recording: the writer on its own, then a real in-process gateway call."""

from __future__ import annotations

import base64
import time
import wave
from pathlib import Path

import numpy as np
import pytest
import websockets
from asgiref.sync import sync_to_async
from starlette.websockets import WebSocketState

from synclead.audio import mulaw
from synclead.config import get_settings
from synclead.engine.ports import FRAME_MS, FRAME_SAMPLES, Pcm
from synclead.engine.session import SessionConfig
from synclead.gateway.call_audio import CallAudioWriter
from synclead.gateway.media import TwilioOutput
from synclead.web.calls.models import Call
from tests.gateway.calls import agent_frames, agent_frames_until_closed, dial, signed

SID = "CA" + "7" * 32


def frame(value: int) -> Pcm:
    return np.full(FRAME_SAMPLES, value, dtype=np.int16)


def read(path: Path) -> tuple[wave.Wave_read, np.ndarray, np.ndarray]:
    with wave.open(str(path), "rb") as wav:
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return wav, samples[0::2], samples[1::2]


async def test_agent_audio_lands_where_it_was_sent_and_a_clear_cuts_it(tmp_path):
    writer = await CallAudioWriter.create(tmp_path, SID, max_samples=10**6)
    for i in range(1, 11):
        writer.caller(frame(i))
    # The agent answers at 200 ms, two frames ahead of the caller (the engine's lead), then the caller barges in.
    writer.agent(frame(-1))
    writer.agent(frame(-2))
    writer.caller(frame(11))
    writer.agent(frame(-3))
    writer.clear()
    for i in range(12, 15):
        writer.caller(frame(i))
    assert await writer.finish() == tmp_path / f"{SID}.wav"

    wav, left, right = read(tmp_path / f"{SID}.wav")
    assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (2, 8000, 2)
    assert len(left) == 14 * FRAME_SAMPLES
    assert list(left[::FRAME_SAMPLES]) == list(range(1, 15))
    per_frame = list(right[::FRAME_SAMPLES])
    # The first frame played from 200 ms; the others were still queued at the carrier when `clear` came at 220 ms.
    assert per_frame == [0] * 10 + [-1, 0, 0, 0]
    assert [p.name for p in tmp_path.iterdir()] == [f"{SID}.wav"], "no temp file left"


async def test_length_is_bounded_and_an_empty_call_leaves_no_file(tmp_path):
    writer = await CallAudioWriter.create(tmp_path, SID, max_samples=3 * FRAME_SAMPLES + 10)
    for _ in range(50):
        writer.caller(frame(5))
    await writer.finish()
    assert len(read(tmp_path / f"{SID}.wav")[1]) == 3 * FRAME_SAMPLES + 10

    empty = await CallAudioWriter.create(tmp_path / "other", SID, max_samples=1000)
    empty.agent(frame(3))  # sent, but the caller's clock never moved: nothing was heard
    assert await empty.finish() is None
    assert list((tmp_path / "other").iterdir()) == []


async def test_twilio_output_feeds_and_clears_the_recording(tmp_path):
    class Socket:
        application_state = WebSocketState.CONNECTED

        async def send_text(self, text: str) -> None:
            pass

    output = TwilioOutput(Socket(), "MZ1", SID, get_settings())  # type: ignore[arg-type]
    output.recording = await CallAudioWriter.create(tmp_path, SID, max_samples=10**6)
    await output.send_audio(frame(9))
    await output.clear()
    await output.send_audio(frame(8))
    output.recording.caller(frame(1))
    await output.recording.finish()
    assert set(read(tmp_path / f"{SID}.wav")[2]) == {8}


async def test_per_frame_cost(tmp_path):
    """50 frames a second per call, each way: print what one caller frame plus one agent frame costs the loop."""
    writer = await CallAudioWriter.create(tmp_path, SID, max_samples=10**8)
    caller, agent = frame(100), frame(-100)
    n = 15_000  # five minutes of call
    # This thread's CPU time, not the wall clock: on a busy machine the wall clock also counts other processes' turns.
    begin = time.thread_time()
    for _ in range(n):
        writer.agent(agent)
        writer.caller(caller)
    per_frame_us = (time.thread_time() - begin) / n * 1e6
    await writer.finish()
    print(f"\nCallAudioWriter: {per_frame_us:.1f} µs per 20 ms frame (caller + agent) on the event loop")
    assert per_frame_us < 200, "a hundred calls would spend over 1 s of loop time per second"


@pytest.mark.django_db(transaction=True)
async def test_a_gateway_call_is_recorded_in_stereo_on_the_media_clock(gateway):
    call, stream, public = await dial(gateway)
    caller_frames = [bytes([(7 * i) % 120 + 1]) * FRAME_SAMPLES for i in range(100)]
    async with websockets.connect(gateway.media_url, additional_headers=signed(public)) as ws:
        await ws.send(stream.start())
        for payload in caller_frames[:10]:
            await ws.send(stream.media(base64.b64encode(payload).decode()))
        # The greeting starts wherever the gateway's clock has got to when it is ready, which depends on how busy the
        # machine is; the rest of the caller's audio waits for it, so it starts within the first ten frames.
        agent = await agent_frames(ws, 1)
        for payload in caller_frames[10:]:
            await ws.send(stream.media(base64.b64encode(payload).decode()))
        await ws.send(stream.stop())
        # The gateway sends the agent's audio for each caller frame before it reads the next message, and closes the
        # stream once it has read `stop`: up to the close is all the agent audio the caller's clock reached.
        agent += await agent_frames_until_closed(ws)
    await gateway.settled()
    wav, left, right = await _recording(call.call_sid)

    assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (2, 8000, 2)
    assert np.array_equal(left, np.concatenate([mulaw.decode(p) for p in caller_frames]))
    # The greeting lands on the frame boundary where it was sent and plays without a gap; what was sent past the
    # caller's last frame was never heard.
    sent = np.concatenate(agent)
    # The file keeps the agent's audio as synthesised; the caller heard it through mu-law.
    as_heard = mulaw.decode(mulaw.encode(right))
    starts = [k for k in range(0, len(right), FRAME_SAMPLES) if np.array_equal(as_heard[k : k + 40], sent[:40])]
    assert starts, "the greeting is on the agent channel"
    at = starts[0]
    assert not right[:at].any()
    assert np.array_equal(as_heard[at:], sent[: len(right) - at])
    assert np.abs(right.astype(np.int32)).mean() > 100, "the greeting is on the agent channel"


@pytest.mark.django_db(transaction=True)
async def test_a_dropped_socket_still_finalises_the_recording(gateway):
    call, stream, public = await dial(gateway)
    ws = await websockets.connect(gateway.media_url, additional_headers=signed(public))
    await ws.send(stream.start())
    await agent_frames(ws, 1)  # the greeting plays from the clock's start
    for _ in range(40):
        await ws.send(stream.media(base64.b64encode(mulaw.silence()).decode()))
    # While the greeting plays, the agent keeps its lead over the caller's clock one frame per caller frame: once
    # that many have come, the gateway has read every frame sent, and the network loses nothing but the connection.
    await agent_frames(ws, 40 + SessionConfig().lead_ms // FRAME_MS - 1)
    ws.transport.abort()  # no stop, no close frame: the network went away
    await gateway.settled()
    _, left, _ = await _recording(call.call_sid)
    assert len(left) == 40 * FRAME_SAMPLES
    assert (await _row(call.call_sid)).end_reason == "stream_dropped"
    assert not list((get_settings().recordings_dir / "demo").glob(".*.part")), "no temp file left behind"


async def _row(call_sid: str) -> Call:
    return await sync_to_async(Call.objects.get)(call_sid=call_sid)


async def _recording(call_sid: str) -> tuple[wave.Wave_read, np.ndarray, np.ndarray]:
    row = await _row(call_sid)
    assert row.recording_file, "the recording is noted on the call"
    path = Path(row.recording_file)
    assert path == get_settings().recordings_dir / "demo" / f"{call_sid}.wav"
    return read(path)
