"""`synclead call`: bad input exits 2 before anything is dialled; a real call end to end (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from synclead.web.organizations.models import Organization, PhoneNumber

SCRIPT = {
    "language": "en",
    "from": "+33612345678",
    "turns": ["Hi, I would like to rent a flat in Paris.", "My name is Anna Martin.", "Yes, that is my number."],
}
REPORT_KEYS = {
    "call_sid",
    "org",
    "from",
    "to",
    "language",
    "status",
    "duration_s",
    "transcript",
    "summary",
    "lead",
    "metrics",
}


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("script", "extra", "message"),
    [
        (SCRIPT | {"language": "xx"}, [], "'language' must be one of"),
        (SCRIPT, ["--org", "nobody"], "no organization 'nobody'"),
        (SCRIPT, ["--speed", "0"], "--speed"),
        (SCRIPT, ["--url", "ftp://x"], "--url"),
    ],
)
def test_bad_input_exits_2(tmp_path: Path, script: dict, extra: list[str], message: str) -> None:
    org = Organization.objects.create(slug="dupont", name="Agence Dupont")
    PhoneNumber.objects.create(number="+33142685300", organization=org)
    args = ["--org", "dupont", "--script", str(write(tmp_path / "s.json", script)), "--report", str(tmp_path / "r")]
    with pytest.raises(CommandError, match=message) as error:
        call_command("call", *args, *extra)
    assert error.value.returncode == 2
    assert not (tmp_path / "r").exists()


@pytest.mark.django_db
def test_an_organization_without_a_number_exits_2(tmp_path: Path) -> None:
    Organization.objects.create(slug="empty", name="Empty")
    args = ["--org", "empty", "--script", str(write(tmp_path / "s.json", SCRIPT)), "--report", str(tmp_path / "r")]
    with pytest.raises(CommandError, match="has no phone number") as error:
        call_command("call", *args)
    assert error.value.returncode == 2


def synclead(*args: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "synclead.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow
def test_a_scripted_call_end_to_end(tmp_path: Path) -> None:
    """The product's gateway in-process with the offline models, called through Twilio's protocol."""
    env = os.environ | {"SYNCLEAD_DATA_DIR": str(tmp_path / "data")}
    env.pop("SYNCLEAD_PUBLIC_URL", None)  # the in-process gateway sets its own
    assert synclead("migrate", env=env, timeout=60).returncode == 0
    added = synclead("org", "add", "dupont", "--name", "Agence Dupont", "--number", "+33142685300", env=env, timeout=60)
    assert added.returncode == 0, added.stderr
    script, report_path = write(tmp_path / "s.json", SCRIPT), tmp_path / "report.json"
    done = synclead(
        "call", "--org", "dupont", "--script", str(script), "--report", str(report_path), "--speed", "3",
        env=env, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ended by hangup" in done.stdout

    report = json.loads(report_path.read_text())
    assert set(report) == REPORT_KEYS
    assert (report["org"], report["from"], report["to"]) == ("dupont", "+33612345678", "+33142685300")
    assert report["status"] == "completed" and report["duration_s"] > 10
    roles = [line["role"] for line in report["transcript"]]
    assert roles[0] == "agent" and roles.count("caller") == 3
    caller = " ".join(line["text"] for line in report["transcript"] if line["role"] == "caller").lower()
    assert "anna" in caller and "martin" in caller  # what the server heard, not the script
    assert report["lead"]["name"] == "Anna Martin" and report["lead"]["phone"] == "+33612345678"
    assert report["metrics"]["greeting_ms"] is not None
    assert len(report["metrics"]["turns"]) == 3
    assert all(t["latency_ms"] > 0 for t in report["metrics"]["turns"])
