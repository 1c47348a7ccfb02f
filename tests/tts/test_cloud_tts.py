"""The cloud voice against a local OpenAI-style speech server, and the offline fallback in front of it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import numpy as np
import pytest

from synclead.config import Settings
from synclead.engine.ports import Pcm
from synclead.providers.tts import voices_for
from synclead.providers.tts.cloud import OpenAISpeech, SpeechError
from synclead.providers.tts.fallback import CircuitBreaker, FallbackVoice
from synclead.providers.tts.voices import LanguageVoices
from tests.tts.emulator import Behaviour, SpeechEmulator

KEY = "sk-test"
OFFLINE_LEVEL = 1234  # the fake offline voice speaks a constant, so tests can tell who spoke


class OfflineVoice:
    async def synthesize(self, text: str, language: str) -> AsyncIterator[Pcm]:
        yield np.full(1600, OFFLINE_LEVEL, dtype=np.int16)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def server() -> Iterator[SpeechEmulator]:
    emulator = SpeechEmulator(KEY).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(server: SpeechEmulator) -> SpeechEmulator:
    server.reset()
    return server


def cloud(emulator: SpeechEmulator, key: str = KEY) -> OpenAISpeech:
    return OpenAISpeech(
        key, base_url=emulator.base_url, model="tts-test", voices={"en": "af_heart", "fr-FR": "ff_siwis"}
    )


def offline() -> LanguageVoices:
    voice = OfflineVoice()
    return LanguageVoices({"en": voice, "fr": voice}, fallback=voice)


async def collect(stream: AsyncIterator[Pcm]) -> list[Pcm]:
    return [piece async for piece in stream]


def spoken_offline(pieces: list[Pcm]) -> bool:
    return bool(pieces) and all(np.all(piece == OFFLINE_LEVEL) for piece in pieces)


async def test_audio_arrives_in_pieces_before_the_body_ends(emulator: SpeechEmulator) -> None:
    emulator.behaviour.chunk_interval_s = 0.02  # 1 s of audio over ~1 s, like a real-time generator
    first_at = None
    pieces = []
    async for piece in cloud(emulator).synthesize("Hello there, how can I help?", "en"):
        first_at = first_at or time.monotonic()
        pieces.append(piece)
    finished_at = emulator.requests[0].finished_at
    assert first_at is not None and finished_at is not None
    assert finished_at - first_at > 0.5
    assert len(pieces) > 5
    # ~100-200 ms pieces at 8 kHz (the last one is whatever remains)
    assert all(800 <= piece.size <= 1600 for piece in pieces[:-1])
    assert all(piece.dtype == np.int16 for piece in pieces)


async def test_24k_is_resampled_to_8k_with_the_voice_of_the_language(emulator: SpeechEmulator) -> None:
    emulator.behaviour.chunk_interval_s = 0.0
    pieces = await collect(cloud(emulator).synthesize("Bonjour, que puis-je faire pour vous ?", "fr-CA"))
    audio = np.concatenate(pieces)
    assert abs(audio.size - 8000) <= 2  # 1 s at 24 kHz → 1 s at 8 kHz
    assert 6000 < np.abs(audio[1000:7000]).max() < 9000  # the tone, not noise or clipping
    body = emulator.requests[0].body
    assert body["voice"] == "ff_siwis" and body["model"] == "tts-test" and body["response_format"] == "pcm"
    await collect(cloud(emulator).synthesize("Hi.", "de"))  # no German voice: the English one
    assert emulator.requests[1].body["voice"] == "af_heart"


async def test_errors_are_classified(emulator: SpeechEmulator) -> None:
    with pytest.raises(SpeechError) as bad_key:
        await collect(cloud(emulator, key="sk-wrong").synthesize("Hello.", "en"))
    assert bad_key.value.permanent and "401" in str(bad_key.value)
    emulator.behaviour.status = 503
    with pytest.raises(SpeechError) as down:
        await collect(cloud(emulator).synthesize("Hello.", "en"))
    assert not down.value.permanent
    assert len(emulator.requests) == 2  # the SDK's own retries are off: the fallback answers instead


async def test_a_bad_key_disables_the_cloud_voice_and_the_offline_voice_speaks(emulator: SpeechEmulator) -> None:
    voice = FallbackVoice(cloud(emulator, key="sk-wrong"), offline(), first_audio_timeout_s=1.0)
    started = time.monotonic()
    pieces = await collect(voice.synthesize("Hello.", "en"))
    assert time.monotonic() - started < 1.0
    assert spoken_offline(pieces)
    assert voice.disabled and "401" in voice.last_error
    assert spoken_offline(await collect(voice.synthesize("And then?", "en")))
    assert len(emulator.requests) == 1  # not retried


async def test_a_slow_first_byte_is_covered_by_the_offline_voice_in_time(emulator: SpeechEmulator) -> None:
    emulator.behaviour.first_byte_delay_s = 3.0
    voice = FallbackVoice(cloud(emulator), offline(), first_audio_timeout_s=0.5)
    started = time.monotonic()
    pieces = await collect(voice.synthesize("Hello.", "en"))
    assert time.monotonic() - started <= 0.5 + 0.3
    assert spoken_offline(pieces)
    assert not voice.disabled and "0.5 s" in voice.last_error
    emulator.behaviour.first_byte_delay_s = 0.0
    assert not spoken_offline(await collect(voice.synthesize("Back again.", "en")))  # retried next sentence


async def test_a_drop_midway_skips_the_rest_and_the_next_sentences_go_offline(emulator: SpeechEmulator) -> None:
    emulator.behaviour = Behaviour(drop_after_bytes=24_000, chunk_interval_s=0.0)  # half a second in
    voice = FallbackVoice(cloud(emulator), offline(), breaker=CircuitBreaker(cooldown_s=60))
    pieces = await collect(voice.synthesize("A long first sentence.", "en"))
    assert pieces and not spoken_offline(pieces)
    assert 0 < np.concatenate(pieces).size < 8000  # some of the cloud audio, then nothing
    assert "mid-sentence" in voice.last_error and not voice.disabled
    assert spoken_offline(await collect(voice.synthesize("The second one.", "en")))
    assert len(emulator.requests) == 1


async def test_a_stall_midway_is_given_up_before_the_caller_notices(emulator: SpeechEmulator) -> None:
    emulator.behaviour = Behaviour(stall_after_bytes=24_000, stall_s=3.0, chunk_interval_s=0.0)
    voice = FallbackVoice(cloud(emulator), offline(), stall_timeout_s=0.4)
    started = time.monotonic()
    pieces = await collect(voice.synthesize("A long first sentence.", "en"))
    assert time.monotonic() - started < 0.4 + 0.5
    assert pieces and not spoken_offline(pieces) and "stalled" in voice.last_error
    assert spoken_offline(await collect(voice.synthesize("The second one.", "en")))


async def test_the_breaker_opens_after_three_failures_and_tries_again_later(emulator: SpeechEmulator) -> None:
    emulator.behaviour.status = 500
    clock = FakeClock()
    voice = FallbackVoice(cloud(emulator), offline(), breaker=CircuitBreaker(3, 60, 60, clock=clock))
    for _ in range(3):
        assert spoken_offline(await collect(voice.synthesize("Hello.", "en")))
        clock.now += 1
    assert voice.breaker.is_open and len(emulator.requests) == 3
    assert spoken_offline(await collect(voice.synthesize("Hello.", "en")))
    assert len(emulator.requests) == 3  # open: the cloud is left alone
    clock.now += 61
    await collect(voice.synthesize("Hello.", "en"))
    assert len(emulator.requests) == 4  # one trial after the cooldown; it failed, so open again
    assert voice.breaker.is_open
    clock.now += 61
    emulator.behaviour.status = 200
    assert not spoken_offline(await collect(voice.synthesize("Hello.", "en")))
    assert not voice.breaker.is_open


def test_failures_outside_the_window_do_not_open_the_breaker() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(3, 60, 60, clock=clock)
    for _ in range(5):
        breaker.failure()
        clock.now += 31
    assert not breaker.is_open
    breaker.failure()
    breaker.failure()
    assert breaker.is_open


async def test_cached_phrases_come_from_the_offline_cache_at_once(emulator: SpeechEmulator) -> None:
    voices = offline()
    await voices.render("Hello, Acme Realty.", "en")
    voice = FallbackVoice(cloud(emulator), voices)
    assert spoken_offline(await collect(voice.synthesize("Hello, Acme Realty.", "en")))
    assert emulator.requests == []


def test_settings_choose_the_voice(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SYNCLEAD_DATA_DIR", str(tmp_path))
    for name in ("OPENAI_API_KEY", "SYNCLEAD_TTS_API_KEY", "SYNCLEAD_TTS_BASE_URL", "SYNCLEAD_TTS"):
        monkeypatch.delenv(name, raising=False)
    voices = offline()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.tts == "offline" and voices_for(settings, voices) is voices
    monkeypatch.setenv("SYNCLEAD_TTS", "openai")
    with pytest.raises(ValueError, match="SYNCLEAD_TTS=openai"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-llm")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.tts_api_key == "sk-llm"
    monkeypatch.setenv("SYNCLEAD_TTS_BASE_URL", "http://localhost:8880/v1/")
    monkeypatch.setenv("SYNCLEAD_TTS_VOICE_FR", "ff_siwis")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    voice = voices_for(settings, voices)
    assert isinstance(voice, FallbackVoice) and isinstance(voice.primary, OpenAISpeech)
    assert voice.primary.voice_for("fr") == "ff_siwis"
    assert str(voice.primary.client.base_url).rstrip("/") == "http://localhost:8880/v1"
    monkeypatch.setenv("SYNCLEAD_TTS_BASE_URL", "localhost:8880")
    with pytest.raises(ValueError, match="SYNCLEAD_TTS_BASE_URL"):
        Settings(_env_file=None)  # type: ignore[call-arg]
