"""The whole path on real models: a scripted English call through the simulator, judged on the server's report.

The caller's sentences are spoken by the offline voice, carried as 8 kHz μ-law over the Twilio protocol, heard by the
server's VAD and Whisper; the report is what the server recorded. Nothing here reads the script back.
"""

from __future__ import annotations

from pathlib import Path

import jiwer
import pytest

from synclead.agent.offline.numbers import spoken_digits
from tests.simulator.e2e import demo_env, place_call

pytestmark = [pytest.mark.slow]

TURNS = [
    "Hello, I would like to sell my apartment in the eleventh district.",
    "My name is Sarah Connor.",
    "No, please call me on zero six, twenty three, forty five, sixty seven, eighty nine.",
    "Yes, that's right.",
]


NUMBER_WORDS = {
    "zero",
    "oh",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
}


def normalise(text: str) -> str:
    """Lower case, no punctuation, and every run of numbers (words or digits) as its digits, as Whisper writes
    numbers either way."""
    words = jiwer.RemovePunctuation()(text.lower().replace("11th", "eleventh")).split()
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if word.isdigit() or word in NUMBER_WORDS:
            run.append(word)
            continue
        if run:
            out.append(spoken_digits(" ".join(run), "en"))
            run = []
        if word:
            out.append(word)
    return " ".join(out)


def test_an_english_call_is_understood_and_becomes_a_lead(tmp_path: Path) -> None:
    env = demo_env(tmp_path / "data")
    report = place_call(env, tmp_path, TURNS, caller="+33612345678")

    heard = [u["text"] for u in report["transcript"] if u["role"] == "caller"]
    assert len(heard) == len(TURNS)
    error = jiwer.wer([normalise(t) for t in TURNS], [normalise(h) for h in heard])
    assert error <= 0.20, (error, heard)

    lead = report["lead"]
    assert lead["name"].lower() in ("sarah connor", "sarah conner")  # Whisper's spelling of a name it never saw
    assert lead["phone"] == "+33623456789", "the number said digit by digit, not the caller ID"
    assert lead["intent"] == "sell"
    assert report["status"] == "completed"
    agent = [u["text"] for u in report["transcript"] if u["role"] == "agent"]
    assert "automated assistant" in agent[0] and "recorded" in agent[0]
    assert "zero six, twenty-three, forty-five, sixty-seven, eighty-nine" in " ".join(agent)
    assert agent[-1].endswith("Goodbye!")
    turns = report["metrics"]["turns"]
    assert len(turns) == len(TURNS) and all(t["latency_ms"] > 0 for t in turns)
