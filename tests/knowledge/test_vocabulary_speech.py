"""The agency's vocabulary makes Whisper write its districts and streets right, over the phone, in both languages.

The sentences are spoken by the offline voices (Kokoro for French, Piper for English; both say a text the same way
every time), cross 8 kHz μ-law and go to Whisper base with the prompt a call from the demo agency gets.
"""

from __future__ import annotations

import asyncio

import pytest

from synclead.bench.local_names import SENTENCES, demo_vocabulary, name_heard
from synclead.bench.phone_speech import phone_line, speak

pytestmark = [pytest.mark.slow]

# Names Whisper gets wrong without the vocabulary (docs/PERFORMANCE.md, "Local names").
CHOSEN = {"Hippolyte-Lebas", "Notre-Dame-de-Lorette", "Oberkampf", "Batignolles", "rue Lepic"}
HANDFUL = [(language, text, names) for language, text, names in SENTENCES if set(names) & CHOSEN][:6]


@pytest.fixture(scope="module")
def heard() -> list[tuple[tuple[str, ...], str, str]]:
    from synclead.providers.stt.whisper import WhisperSTT
    from synclead.providers.tts.kokoro import KokoroTTS
    from synclead.providers.tts.piper import PiperTTS

    voices = {"en": PiperTTS(noise_scale=0.0, noise_w_scale=0.0), "fr": KokoroTTS("jm_kumo")}
    whisper = WhisperSTT("base")
    prompted = whisper.with_vocabulary(demo_vocabulary())
    results = []
    for language, text, names in HANDFUL:
        audio = phone_line(asyncio.run(speak(voices[language], text, language)))
        without = whisper.transcribe_sync(audio, language).text
        with_it = asyncio.run(prompted.transcribe(audio, language)).text
        results.append((names, without, with_it))
    return results


def test_the_vocabulary_gets_the_names_right(heard) -> None:
    assert len(HANDFUL) >= 5 and {language for language, _, _ in HANDFUL} == {"fr", "en"}
    for names, _without, with_it in heard:
        assert all(name_heard(name, with_it) for name in names), (names, with_it)


def test_without_it_whisper_misses_them(heard) -> None:
    missed = sum(not name_heard(name, without) for names, without, _ in heard for name in names)
    assert missed >= len(heard) // 2, [without for _, without, _ in heard]
