"""What the simulated caller sends: pauses between the parts of a turn, a hang-up mid-sentence; the voices chosen."""

from __future__ import annotations

import pytest

from synclead.web.evals.runner import SILENCE_B64, VoiceError, _assemble, parse_voices
from synclead.web.evals.scenario import Turn


def test_parts_are_separated_by_the_pause() -> None:
    frames = _assemble(Turn(("Zero six,", "forty five."), pause_ms=100), [["a1", "a2"], ["b1"]])
    assert frames == ["a1", "a2", *[SILENCE_B64] * 5, "b1"]


def test_a_hang_up_cuts_the_turn_where_the_caller_stops() -> None:
    speech = [f"f{i}" for i in range(10)]
    assert _assemble(Turn(("Hello, I was calling about",), hang_up_after=0.35), [speech]) == speech[:4]
    assert _assemble(Turn(("Hi",), hang_up_after=0.01), [speech]) == speech[:1]  # never nothing at all


def test_caller_voices() -> None:
    assert parse_voices(["fr=kokoro", "en=piper", "fr=espeak"]) == {"fr": "espeak", "en": "piper"}
    assert parse_voices([]) == {}
    for value, message in [("kokoro", "LANG=VOICE"), ("fr=nobody", "unknown caller voice"), ("fr=piper", "speak")]:
        with pytest.raises(VoiceError, match=message):
            parse_voices([value])
