"""Simulated calls, one per kind of request, judged on the post-call report: intent, urgency, name and number.

Real speech through the Twilio protocol, the real agent and the post-call job (run by the gateway's in-process
worker); `synclead call` waits until the report is written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.simulator.e2e import demo_env, place_call

pytestmark = [pytest.mark.slow]


def callback(request: str, name: str) -> list[str]:
    return [f"Hello, {request} Please ask an advisor to call me back. My name is {name}.", "Yes, that number is fine."]


CALLS = {
    "rent": (
        callback("I am looking for an apartment to rent.", "Anna Smith"),
        {"intent": "rent", "urgency": "normal", "name": "Anna Smith", "phone": "+33611223344"},
    ),
    "buy": (
        callback("I would like to buy a house.", "Tom Baker"),
        {"intent": "buy", "urgency": "normal", "name": "Tom Baker", "phone": "+33611223344"},
    ),
    "sell": (
        callback("I would like to sell my apartment.", "Lucy Brown"),
        {"intent": "sell", "urgency": "normal", "name": "Lucy Brown", "phone": "+33611223344"},
    ),
    "viewing": (
        callback("I would like to book a viewing of the flat I saw on your website.", "Mark Jones"),
        {"intent": "viewing", "urgency": "normal", "name": "Mark Jones", "phone": "+33611223344"},
    ),
    "general_question": (
        ["Hello, what are your opening hours?", "No, that's all, thank you.", "No thanks, goodbye."],
        {"intent": "general_question", "urgency": "normal", "name": "", "phone": "+33611223344"},
    ),
    "property_management": (
        callback("I would like your agency to manage my rental property.", "Sarah Wilson"),
        {"intent": "property_management", "urgency": "normal", "name": "Sarah Wilson", "phone": "+33611223344"},
    ),
    "tenant_issue": (
        [
            "Hello, there is a water leak in my kitchen and I have no hot water since this morning.",
            "My name is Paul Smith.",
            "Yes, that number is fine.",
        ],
        {"intent": "tenant_issue", "urgency": "high", "name": "Paul Smith", "phone": "+33611223344"},
    ),
    "valuation": (
        [
            "Hello, I would like a valuation of my apartment, I am thinking of selling it.",
            "My name is Claire Martin.",
            "No, please call me on zero six, ninety nine, eighty eight, seventy seven, sixty six.",
            "Yes, that's right.",
        ],
        {"intent": "valuation", "urgency": "normal", "name": "Claire Martin", "phone": "+33699887766"},
    ),
}


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> dict[str, str]:
    return demo_env(tmp_path_factory.mktemp("intents"))


@pytest.mark.parametrize("kind", sorted(CALLS))
def test_a_call_becomes_the_right_lead(kind: str, environment: dict[str, str], tmp_path: Path) -> None:
    turns, expected = CALLS[kind]
    report = place_call(environment, tmp_path, turns, caller="+33611223344")
    lead = report["lead"]
    assert {key: lead[key] for key in expected} == expected, report["transcript"]
    assert report["summary"], "the post-call job wrote a summary"
