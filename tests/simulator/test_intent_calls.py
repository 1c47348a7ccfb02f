"""Simulated calls, one per kind of request, judged on the post-call report: intent, urgency, name and number.

Real speech through the Twilio protocol, the real agent and the post-call job (run by the gateway's in-process
worker); `synclead call` waits until the report is written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.simulator.e2e import offline_env, synclead

pytestmark = [pytest.mark.slow]

CALLS = {
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
    env = offline_env(tmp_path_factory.mktemp("intents"))
    setup = synclead("demo", "--no-serve", env=env, timeout=300)
    assert setup.returncode == 0, setup.stderr
    return env


@pytest.mark.parametrize("kind", sorted(CALLS))
def test_a_call_becomes_the_right_lead(kind: str, environment: dict[str, str], tmp_path: Path) -> None:
    turns, expected = CALLS[kind]
    script = tmp_path / "call.json"
    script.write_text(json.dumps({"language": "en", "from": "+33611223344", "turns": turns}))
    report_path = tmp_path / "report.json"
    done = synclead(
        "call",
        "--org",
        "demo",
        "--script",
        str(script),
        "--report",
        str(report_path),
        "--speed",
        "2",
        env=environment,
        timeout=400,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(report_path.read_text())
    lead = report["lead"]
    assert {key: lead[key] for key in expected} == expected, report["transcript"]
    assert report["summary"], "the post-call job wrote a summary"
