"""Kokoro, the offline French voice: cut into pieces for a quick first audio, routed per organization, and covered
by espeak-ng when it cannot speak."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from synclead.engine.ports import Pcm
from synclead.providers.tts.espeak import EspeakTTS
from synclead.providers.tts.fallback import FallbackVoice
from synclead.providers.tts.kokoro import KokoroTTS, pieces
from synclead.providers.tts.voices import DEFAULT_VOICE, LanguageVoices, kokoro_voice
from synclead.web.organizations.models import Voice

SENTENCE = "Pouvez-vous me donner votre numéro de téléphone, s'il vous plaît ?"


async def collect(stream: AsyncIterator[Pcm]) -> list[Pcm]:
    return [chunk async for chunk in stream]


def test_a_sentence_starts_with_a_few_words_then_goes_clause_by_clause() -> None:
    assert pieces(SENTENCE) == ["Pouvez-vous me donner", "votre numéro de téléphone, s'il vous plaît ?"]
    # A word that leans on the next ("votre", "de") does not end the first piece.
    assert pieces("Nous avons un deux-pièces de quarante-deux mètres carrés.")[0] == "Nous avons un deux-pièces"
    assert pieces("Je note : Marie Dubois, au zéro six, douze, trente-quatre.") == [
        "Je note :",
        "Marie Dubois, au zéro six, douze, trente-quatre.",
    ]
    # Short sentences stay whole: a lonely tail would sound broken.
    assert pieces("Bien sûr.") == ["Bien sûr."]
    assert pieces("Merci de votre appel.") == ["Merci de votre appel."]
    assert pieces("  ") == []


@given(st.lists(st.text(alphabet="abcdéè ,;:'-", min_size=1, max_size=12), min_size=1, max_size=12))
def test_pieces_keep_every_word_in_order(parts: list[str]) -> None:
    sentence = " ".join(parts)
    cut = pieces(sentence)
    assert " ".join(cut).split() == sentence.split()
    assert all(piece.strip() == piece and piece for piece in cut)


@pytest.fixture(scope="module")
def kokoro() -> KokoroTTS:
    tts = KokoroTTS("jf_gongitsune")
    tts.warm_up()
    return tts


async def test_kokoro_speaks_french_piece_by_piece(kokoro: KokoroTTS) -> None:
    chunks = await collect(kokoro.synthesize(SENTENCE, "fr"))
    assert len(chunks) == 2
    audio = np.concatenate(chunks)
    assert all(chunk.dtype == np.int16 for chunk in chunks)
    assert 2.0 < len(audio) / 8000 < 7.0  # eleven words at a speaking pace
    assert np.sqrt(np.mean(audio.astype(np.float64) ** 2)) > 1000
    assert np.abs(audio.astype(np.int32)).max() < 32124  # headroom: μ-law clips above this
    # The first piece is the sentence's first words only: short audio, so it reaches the caller early.
    assert len(chunks[0]) < len(chunks[1])


async def test_kokoro_stops_when_the_caller_barges_in(kokoro: KokoroTTS) -> None:
    async for _chunk in kokoro.synthesize(SENTENCE, "fr"):
        break
    assert await collect(kokoro.synthesize("Je vous écoute.", "fr"))


async def test_french_is_kokoro_by_default_and_each_organization_picks_its_voice() -> None:
    voices = LanguageVoices()
    default = voices.voice_for("fr")
    assert isinstance(default, FallbackVoice) and isinstance(default.primary, KokoroTTS)
    assert default.primary.speaker == "jf_gongitsune"
    assert voices.chosen(DEFAULT_VOICE) is voices and voices.chosen("") is voices
    male = voices.chosen(Voice.KOKORO_MALE).voice_for("fr")
    assert isinstance(male, FallbackVoice) and male.primary.speaker == "jm_kumo"  # type: ignore[attr-defined]
    assert isinstance(voices.chosen(Voice.ESPEAK).voice_for("fr"), EspeakTTS)
    # English keeps Piper whatever the choice; an unknown name is the default, never silence.
    assert voices.chosen(Voice.ESPEAK).voice_for("en") is voices.voice_for("en")
    assert voices.chosen("no-such-voice") is voices
    # Every choice the organization model offers is one the router knows.
    assert {choice.value for choice in Voice} == set(voices.choices)


async def test_a_greeting_is_cached_in_its_organizations_voice_and_shared_phrases_on_first_play() -> None:
    # Kokoro itself, without the live-call fallback, so that a busy test machine cannot swap espeak-ng in.
    voices = LanguageVoices(
        {"fr": KokoroTTS("jf_gongitsune")},
        fallback=EspeakTTS(),
        choices={Voice.KOKORO_MALE.value: {"fr": KokoroTTS("jm_kumo")}},
    )
    greeting = ("Bonjour, vous êtes bien à l'Agence Lumière.", "fr", Voice.KOKORO_MALE.value)
    shared = ("Un instant, s'il vous plaît.", "fr")
    await asyncio.to_thread(voices.prewarm, [greeting, shared])
    male = voices.chosen(Voice.KOKORO_MALE)
    assert male.cached(greeting[0], "fr") is not None
    assert voices.cached(greeting[0], "fr") is None  # another voice: rendered by it when its call comes
    # Kokoro is too slow to render every shared phrase at start-up: the first play streams it, and keeps it.
    assert voices.cached(*shared) is None
    first = await collect(voices.synthesize(*shared))
    kept = voices.cached(*shared)
    assert kept is not None and np.array_equal(kept, np.concatenate(first))
    before = voices.syntheses
    assert [chunk is kept for chunk in await collect(voices.synthesize(*shared))] == [True]
    assert voices.syntheses == before


async def test_espeak_speaks_when_kokoro_cannot(tmp_path: Path) -> None:
    blocked = tmp_path / "models"
    blocked.write_text("a file where the models folder should be")  # Kokoro's model cannot be prepared here
    voice = kokoro_voice("jf_gongitsune", EspeakTTS(), models_dir=blocked)
    assert isinstance(voice, FallbackVoice)
    audio = await collect(voice.synthesize("Bonjour, je vous écoute.", "fr"))
    assert audio and len(np.concatenate(audio)) > 8000
    assert voice.disabled and voice.fallbacks == 1  # permanent: Kokoro is not retried for every sentence
    assert "kokoro" in voice.last_error.lower() or "models" in voice.last_error
