"""The AssemblyAI streaming recogniser, through the real SDK, against a local server speaking the v3 protocol."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator

import numpy as np
import pytest

from synclead.audio import mulaw
from synclead.config import Settings
from synclead.engine.ports import (
    FRAME_SAMPLES,
    CallInfo,
    Pcm,
    RecognizerActivity,
    RecognizerError,
    RecognizerEvent,
    RecognizerSpeechStarted,
    RecognizerTurnEnded,
)
from synclead.providers.stt.assemblyai import AssemblyAIStream, AssemblyAIStreaming, api_host
from tests.stt.assemblyai_emulator import AssemblyAIEmulator, Behaviour

KEY = "aai-test-key"


@pytest.fixture(scope="module")
def server() -> Iterator[AssemblyAIEmulator]:
    emulator = AssemblyAIEmulator(KEY).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(server: AssemblyAIEmulator) -> AssemblyAIEmulator:
    server.reset()
    return server


def call(language: str = "en") -> CallInfo:
    return CallInfo("CA1", "MZ1", "+15550001", "+15550002", language, "acme")


def recognizer(emulator: AssemblyAIEmulator, key: str = KEY, **options: object) -> AssemblyAIStreaming:
    return AssemblyAIStreaming(key, host=emulator.host, **options)  # type: ignore[arg-type]


def speech(ms: int) -> list[Pcm]:
    t = np.arange(ms * 8) / 8000
    tone = (4000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)
    return list(tone.reshape(-1, FRAME_SAMPLES))


def silence(ms: int) -> list[Pcm]:
    return [np.zeros(FRAME_SAMPLES, dtype=np.int16) for _ in range(ms // 20)]


async def feed(stream: AssemblyAIStream, frames: list[Pcm]) -> None:
    """Push at a brisk pace (5x real time), yielding so the SDK's tasks run between frames as they would live."""
    for frame in frames:
        stream.push(frame)
        await asyncio.sleep(0.004)


async def collect(events: AsyncIterator[RecognizerEvent], into: list[RecognizerEvent]) -> None:
    async for event in events:
        into.append(event)


async def until(predicate, timeout_s: float = 3.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_a_turn_is_heard_and_ended_in_order(emulator: AssemblyAIEmulator) -> None:
    emulator.reset(Behaviour(transcripts=deque(["Hello, I'd like a quote."])))
    stream = await recognizer(emulator).open(call())
    seen: list[RecognizerEvent] = []
    reader = asyncio.create_task(collect(stream.events(), seen))
    await feed(stream, silence(200) + speech(500) + silence(600))
    await until(lambda: any(isinstance(e, RecognizerTurnEnded) for e in seen))
    await stream.close()
    await asyncio.wait_for(reader, 2)

    assert isinstance(seen[0], RecognizerSpeechStarted) and seen[0].at_ms == 200
    partials = seen[1:-1]
    assert partials and all(isinstance(e, RecognizerActivity) for e in partials)
    assert isinstance(partials[0], RecognizerActivity) and partials[0].text == "hello"
    # The unformatted final turn is activity too: only the formatted one ends the turn.
    assert isinstance(partials[-1], RecognizerActivity) and partials[-1].text == "hello i'd like a quote"
    assert seen[-1] == RecognizerTurnEnded("Hello, I'd like a quote.", 200, 700, "en")
    assert sum(isinstance(e, RecognizerTurnEnded) for e in seen) == 1


async def test_the_session_is_opened_as_documented(emulator: AssemblyAIEmulator) -> None:
    stream = await recognizer(emulator, max_turn_silence_ms=1000).open(call("fr"))
    await stream.close()
    session = emulator.sessions[0]
    assert session.headers["authorization"] == KEY
    assert session.query["sample_rate"] == "8000"
    assert session.query["encoding"] == "pcm_mulaw"
    assert session.query["speech_model"] == "universal-streaming-multilingual"
    assert session.query["format_turns"].lower() == "true"
    assert session.query["max_turn_silence"] == "1000"
    assert session.sent[0]["type"] == "Begin" and stream.session_id == "sess-1"


async def test_an_organizations_names_go_as_key_terms(emulator: AssemblyAIEmulator) -> None:
    shared = recognizer(emulator)
    names = ["Saint-Georges", "rue des Martyrs", "Agence Lumière", "x" * 51]
    stream = await shared.with_keyterms(names).open(call("fr"))
    await stream.close()
    assert json.loads(emulator.sessions[0].query["keyterms_prompt"]) == names[:3]  # over 50 characters: refused
    # The process's recogniser is shared by every call: another organization's call gets no such terms.
    stream = await shared.open(call("fr"))
    await stream.close()
    assert "keyterms_prompt" not in emulator.sessions[1].query


async def test_english_calls_use_the_english_model(emulator: AssemblyAIEmulator) -> None:
    stream = await recognizer(emulator).open(call("en"))
    await stream.close()
    assert emulator.sessions[0].query["speech_model"] == "universal-streaming-english"


async def test_audio_goes_in_100_ms_mulaw_batches_unchanged(emulator: AssemblyAIEmulator) -> None:
    stream = await recognizer(emulator).open(call())
    frames = silence(100) + speech(920)  # 51 frames: one left over after ten batches
    await feed(stream, frames)
    await stream.close()
    emulator.wait_until_ended()
    session = emulator.sessions[0]
    sent = b"".join(mulaw.encode(frame) for frame in frames)
    assert bytes(session.audio) == sent + bytes([mulaw.SILENCE_BYTE]) * 240  # the caller's bytes, not transcoded
    sizes = session.batch_ms
    assert sizes[:-1] == [100.0] * 10
    assert sizes[-1] == 50.0  # 20 ms of tail, padded to the server's minimum
    assert all(50 <= ms <= 1000 for ms in sizes)


async def test_close_sends_terminate_and_waits_for_termination(emulator: AssemblyAIEmulator) -> None:
    stream = await recognizer(emulator).open(call())
    seen: list[RecognizerEvent] = []
    reader = asyncio.create_task(collect(stream.events(), seen))
    await feed(stream, silence(300))
    await stream.close()
    await asyncio.wait_for(reader, 1)  # the event stream ends cleanly, no error
    emulator.wait_until_ended()
    session = emulator.sessions[0]
    assert session.messages == [{"type": "Terminate"}]
    assert session.sent[-1]["type"] == "Termination"
    assert session.batch_ms == [100.0] * 3  # every batch went before Terminate
    await stream.close()  # twice is harmless


@pytest.mark.parametrize("reject", ["http", "close", "wrong-key"])
async def test_a_refused_key_is_a_permanent_error_and_not_retried(emulator: AssemblyAIEmulator, reject: str) -> None:
    emulator.reset(Behaviour(reject="" if reject == "wrong-key" else reject))  # type: ignore[arg-type]
    key = "not-the-key" if reject == "wrong-key" else KEY
    with pytest.raises(RecognizerError) as failure:
        await recognizer(emulator, key).open(call())
    assert failure.value.permanent, str(failure.value)
    assert len(emulator.sessions) <= 1  # one attempt (an HTTP refusal never reaches the endpoint's accept)


async def test_an_abrupt_close_mid_stream_is_a_transient_error(emulator: AssemblyAIEmulator) -> None:
    emulator.reset(Behaviour(drop_after_ms=300))
    stream = await recognizer(emulator).open(call())
    seen: list[RecognizerEvent] = []
    reader = asyncio.create_task(collect(stream.events(), seen))
    await feed(stream, speech(600))
    with pytest.raises(RecognizerError) as failure:
        await asyncio.wait_for(reader, 2)
    assert not failure.value.permanent
    await asyncio.wait_for(stream.close(), 2)


async def test_a_normal_close_without_termination_is_a_transient_error(emulator: AssemblyAIEmulator) -> None:
    emulator.reset(Behaviour(end_after_ms=300))
    stream = await recognizer(emulator).open(call())
    reader = asyncio.create_task(collect(stream.events(), []))
    await feed(stream, silence(600))
    with pytest.raises(RecognizerError, match="without Termination") as failure:
        await asyncio.wait_for(reader, 2)
    assert not failure.value.permanent
    await asyncio.wait_for(stream.close(), 2)


async def test_a_stall_shows_as_silence_and_close_still_returns(emulator: AssemblyAIEmulator) -> None:
    emulator.reset(Behaviour(transcripts=deque(["anyone there"]), stall_after_ms=200))
    stream = await recognizer(emulator, terminate_timeout_s=0.5).open(call())
    seen: list[RecognizerEvent] = []
    reader = asyncio.create_task(collect(stream.events(), seen))
    await feed(stream, silence(200) + speech(600) + silence(600))
    await asyncio.sleep(0.3)
    assert seen == []  # the socket is open and reading, and says nothing: the engine's detector must notice
    assert not reader.done()
    assert sum(emulator.sessions[0].batch_ms) >= 1300  # the audio kept flowing
    started = time.monotonic()
    await stream.close()
    assert time.monotonic() - started < 1.5  # no Termination came; close gave up after terminate_timeout_s
    await asyncio.wait_for(reader, 1)


async def test_a_wrong_batch_size_is_refused_by_the_emulator(emulator: AssemblyAIEmulator) -> None:
    # The emulator enforces the 50 ms floor (error 3007), so the batching test above means something.
    stream = await recognizer(emulator, batch_ms=50).open(call())
    stream.batch_bytes = 160  # 20 ms: what sending Twilio's frames unbatched would do
    reader = asyncio.create_task(collect(stream.events(), []))
    await feed(stream, silence(100))
    with pytest.raises(RecognizerError) as failure:
        await asyncio.wait_for(reader, 2)
    assert "3007" in str(failure.value) and failure.value.permanent
    await stream.close()


def test_loopback_hosts_use_plain_ws_and_others_tls() -> None:
    assert api_host("127.0.0.1:8765") == "ws://127.0.0.1:8765"
    assert api_host("localhost:1") == "ws://localhost:1"
    assert api_host("[::1]:9") == "ws://[::1]:9"
    assert api_host("streaming.eu.assemblyai.com") == "streaming.eu.assemblyai.com"
    with pytest.raises(ValueError):
        api_host("wss://streaming.assemblyai.com")


def test_settings_choose_and_validate_the_recogniser(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SYNCLEAD_DATA_DIR", str(tmp_path))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.stt == "whisper"
    assert settings.assemblyai_streaming_host == "streaming.assemblyai.com"
    monkeypatch.setenv("SYNCLEAD_STT", "assemblyai")
    with pytest.raises(ValueError, match="ASSEMBLYAI_API_KEY"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "k")
    monkeypatch.setenv("ASSEMBLYAI_STREAMING_HOST", " streaming.eu.assemblyai.com/ ")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.stt == "assemblyai" and settings.assemblyai_streaming_host == "streaming.eu.assemblyai.com"
    monkeypatch.setenv("ASSEMBLYAI_STREAMING_HOST", "wss://x")
    with pytest.raises(ValueError, match="ASSEMBLYAI_STREAMING_HOST"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("SYNCLEAD_STT", "deepgram")
    with pytest.raises(ValueError):
        Settings(_env_file=None)  # type: ignore[call-arg]
