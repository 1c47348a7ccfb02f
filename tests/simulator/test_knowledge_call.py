"""Issue "the agent answers from the agency's own knowledge", end to end and offline.

A simulated caller phones the demo agency (its documents and listings ingested by `synclead demo`), asks its opening
hours, a rental within a budget, and its fees; the report's transcript must hold the agency's own answers.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from tests.simulator.e2e import demo_env, place_call

pytestmark = [pytest.mark.slow]

TURNS = [
    "Hello, what are your opening hours?",
    "I am looking for a two bedroom apartment to rent in the ninth, my budget is 2,100 euros a month.",
    "And what are your fees for a rental?",
    "Yes, please ask an advisor to call me. My name is John Smith.",
    "Yes, that's fine.",
]


def test_questions_get_the_agencys_own_answers(tmp_path: Path) -> None:
    env = demo_env(tmp_path / "data")
    report = place_call(env, tmp_path, TURNS, caller="+33612345678")
    transcript = report["transcript"]
    replies = []
    for before, after in pairwise(transcript):
        if before["role"] == "caller" and after["role"] == "agent":
            replies.append(after["text"])
    assert len(replies) == len(TURNS)
    hours, listing, fees = replies[0], replies[1], replies[2]
    assert "9 am to 7 pm" in hours and "Sunday" in hours
    # The 9th-district two-bedroom within 2,100 € with charges (1,950 + 130), not a dearer or distant one.
    assert "1,950 euros" in listing and "9th" in listing
    assert "12 euros per square metre" in fees
    lead = report["lead"]
    assert lead["name"] == "John Smith" and lead["phone"] == "+33612345678"
    assert lead["intent"] == "rent"
