"""Offline voices: Piper (English), espeak-ng (French and the rest), and the per-language router with its cache."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import numpy as np
import pytest

from synclead.engine.ports import Pcm
from synclead.providers.tts.espeak import EspeakTTS, split_sentences
from synclead.providers.tts.piper import PiperTTS
from synclead.providers.tts.voices import LanguageVoices

ENGLISH = "Thank you for calling. We are open from nine to five. How can I help you today?"
FRENCH = "Bonjour, vous êtes bien chez Dupont Plomberie. Que puis-je faire pour vous ?"


@pytest.fixture(scope="module")
def piper() -> PiperTTS:
    tts = PiperTTS()
    tts.warm_up()
    return tts


async def collect(stream: AsyncIterator[Pcm]) -> list[Pcm]:
    return [chunk async for chunk in stream]


def assert_plausible_speech(chunks: list[Pcm], words: int) -> None:
    assert chunks and all(chunk.dtype == np.int16 and chunk.ndim == 1 for chunk in chunks)
    audio = np.concatenate(chunks)
    seconds = len(audio) / 8000  # the samples are 8 kHz, so length is duration
    # Conversational speech runs at 2-4 words a second, plus pauses.
    assert words / 5 < seconds < words / 1.5 + 1
    assert np.sqrt(np.mean(audio.astype(np.float64) ** 2)) > 1000  # audible, not a whisper of noise
    assert np.abs(audio.astype(np.int32)).max() < 32124  # headroom: μ-law would clip above this


async def test_piper_speaks_english_sentence_by_sentence(piper: PiperTTS) -> None:
    chunks = await collect(piper.synthesize(ENGLISH, "en"))
    assert len(chunks) == 3
    assert_plausible_speech(chunks, words=len(ENGLISH.split()))


async def test_piper_does_not_block_the_event_loop(piper: PiperTTS) -> None:
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    task = asyncio.create_task(ticker())
    await collect(piper.synthesize(ENGLISH * 2, "en"))
    task.cancel()
    assert len(gaps) > 5
    # Generous: the test machine is shared; a blocked loop would show a gap as long as a sentence (~100 ms+).
    assert max(gaps) < 0.08


async def test_piper_stops_when_the_caller_barges_in(piper: PiperTTS) -> None:
    async for _chunk in piper.synthesize(ENGLISH, "en"):
        break  # the engine closes the stream early on barge-in
    assert await collect(piper.synthesize("Sorry, go ahead.", "en"))


async def test_nothing_to_say_yields_nothing(piper: PiperTTS) -> None:
    assert await collect(piper.synthesize("  ", "en")) == []
    assert await collect(EspeakTTS().synthesize("", "fr")) == []


async def test_espeak_speaks_french_and_english() -> None:
    espeak = EspeakTTS()
    french = await collect(espeak.synthesize(FRENCH, "fr"))
    assert len(french) == 2
    assert_plausible_speech(french, words=len(FRENCH.split()))
    english = await collect(espeak.synthesize(ENGLISH, "en"))
    assert len(english) == 3
    assert_plausible_speech(english, words=len(ENGLISH.split()))


def test_espeak_voice_follows_the_language() -> None:
    espeak = EspeakTTS()
    assert espeak.voice_for("fr-FR") == "fr"
    assert espeak.voice_for("en") == "en-us"
    assert espeak.voice_for("de") == "de"
    same_text = "Bonjour Madame"
    assert not np.array_equal(espeak.render_sentence(same_text, "fr"), espeak.render_sentence(same_text, "en"))
    # An unknown voice falls back to English rather than failing the call.
    assert len(espeak.render_sentence("Hello", "xx")) > 1000


def test_espeak_and_piper_share_a_process(piper: PiperTTS) -> None:
    # Piper links its own espeak-ng for phonemes; ours is a separate library with separate state.
    espeak = EspeakTTS()
    assert len(espeak.render_sentence("Un instant, s'il vous plaît.", "fr")) > 4000
    assert len(np.concatenate(list(piper.sentences("One moment, please.")))) > 4000
    assert len(espeak.render_sentence("Merci, au revoir.", "fr")) > 4000


def test_sentences_split_where_speech_pauses() -> None:
    assert split_sentences("Bonjour M. Dupont. Comment allez-vous ? Très bien!") == [
        "Bonjour M. Dupont.",
        "Comment allez-vous ?",
        "Très bien!",
    ]
    assert split_sentences('It costs 3.50 dollars. He said "no." Then...\nNew line') == [
        "It costs 3.50 dollars.",
        'He said "no."',
        "Then...",
        "New line",
    ]
    assert split_sentences("Call Dr. Smith") == ["Call Dr. Smith"]
    assert split_sentences("  ") == []


class FakeVoice:
    """A TextToSpeech that records what it was asked to say."""

    def __init__(self, level: int) -> None:
        self.level = level
        self.calls: list[tuple[str, str]] = []

    async def synthesize(self, text: str, language: str) -> AsyncIterator[Pcm]:
        self.calls.append((text, language))
        for _sentence in split_sentences(text):
            yield np.full(800, self.level, dtype=np.int16)


async def test_voices_route_by_language() -> None:
    english, french, other = FakeVoice(1), FakeVoice(2), FakeVoice(3)
    voices = LanguageVoices({"en": english, "fr": french}, fallback=other)
    assert voices.voice_for("en-US") is english
    assert voices.voice_for("FR") is french
    assert voices.voice_for("de") is other
    audio = await voices.render("Guten Tag. Wie geht's?", "de")
    assert len(audio) == 1600 and set(audio.tolist()) == {3}
    assert [len(chunk) for chunk in await collect(voices.synthesize("Oui. Non.", "fr"))] == [800, 800]


async def test_cached_phrase_is_rendered_once_and_shared() -> None:
    english = FakeVoice(1)
    voices = LanguageVoices({"en": english}, fallback=english, cache_size=2)
    await asyncio.to_thread(voices.prewarm, [("Hello, thanks for calling.", "en"), ("Goodbye.", "en")])
    first = await voices.render("Hello, thanks for calling.", "en")
    again = await voices.render("Hello, thanks for calling.", "en")
    assert again is first
    assert not first.flags.writeable  # shared between calls: nobody may change it
    played = [chunk async for chunk in voices.synthesize("Goodbye.", "en")]
    assert len(played) == 1 and played[0] is voices.cached("Goodbye.", "en")
    assert len(english.calls) == 2 and voices.syntheses == 2
    # Least recently used goes first: "Goodbye." was just played, so the greeting makes room.
    await voices.render("Third phrase.", "en")
    assert voices.cached("Goodbye.", "en") is not None
    assert voices.cached("Hello, thanks for calling.", "en") is None
    # One-off text is not kept.
    await voices.render("Your reference is 42.", "en", remember=False)
    assert voices.cached("Your reference is 42.", "en") is None


def test_prewarm_refuses_to_block_a_running_loop() -> None:
    async def misuse() -> None:
        LanguageVoices({}, fallback=FakeVoice(1)).prewarm([("Hello.", "en")])

    with pytest.raises(RuntimeError):
        asyncio.run(misuse())


async def test_offline_voices_prewarm_the_greeting() -> None:
    voices = LanguageVoices()
    phrases = [
        ("Hello, you've reached Dupont Plumbing.", "en"),
        ("Bonjour, vous êtes bien chez Dupont Plomberie.", "fr"),
    ]
    await asyncio.to_thread(voices.prewarm, phrases)
    before = voices.syntheses
    started = time.perf_counter()
    greeting = await voices.render("Hello, you've reached Dupont Plumbing.", "en")
    assert time.perf_counter() - started < 0.005  # no synthesis: the caller hears it at once
    assert voices.syntheses == before
    assert len(greeting) > 8000
    assert len(await voices.render("Bonjour, vous êtes bien chez Dupont Plomberie.", "fr-FR")) > 8000
