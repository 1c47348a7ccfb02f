"""The README's French call, through the audio loop as an English one: the caller speaks with Kokoro, the gateway
hears it with Whisper (prompted with the demo agency's names) and answers in Kokoro's other voice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.simulator.e2e import demo_env, synclead

pytestmark = [pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "call-fr.json"


def test_the_demo_french_call_is_understood(tmp_path: Path) -> None:
    env = demo_env(tmp_path / "data")
    report_path = tmp_path / "report.json"
    args = ["call", "--org", "demo-fr", "--script", str(EXAMPLE), "--report", str(report_path), "--speed", "2"]
    done = synclead(*args, env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(report_path.read_text())
    caller = " ".join(line["text"] for line in report["transcript"] if line["role"] == "caller")
    lead = report["lead"]
    assert (lead["intent"], lead["name"], lead["phone"]) == ("valuation", "Claire Bernard", "+33698765432"), caller
    # Whisper spells the street as the agency does: the agency's vocabulary reached it through the gateway.
    assert "rue Lepic" in caller, caller
    agent = [line["text"] for line in report["transcript"] if line["role"] == "agent"]
    assert agent and agent[0].startswith("Bonjour"), agent
