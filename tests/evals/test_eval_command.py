"""`synclead eval`: bad input exits 2 before any call; a few scenarios per language through the whole audio loop
(caller voice, μ-law, the gateway, Whisper, the agent, its voice, the post-call report), scored, stored and shown.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from synclead.web.organizations.models import Organization, PhoneNumber
from tests.simulator.e2e import offline_env, synclead

SUITES = Path(__file__).resolve().parents[2] / "examples" / "eval"
# Scenarios the offline agent gets right through the audio loop today, whatever else changes: if one fails, the
# loop or the scoring broke, not the dialogue's finer points.
KNOWN_GOOD = {"en": ("one-breath-valuation", "hangup-first-words"), "fr": ("raccroche-premiers-mots",)}
# A check no agent passes: the scorecard must show it failing, and --min-score must turn it into exit status 1.
IMPOSSIBLE = {
    "language": "en",
    "from": "+33611299999",
    "turns": ["Hello, what time do you open on Monday?", "Thank you, goodbye."],
    "expect": {"intent": "general_question", "says": ["the secret word is xyzzy"], "never_says": ["xyzzy"]},
}
# A French caller with something to say, so that the French run shows what the recogniser heard.
PROBE = {
    "language": "fr",
    "from": "+33677899999",
    "turns": ["Bonjour, à quelle heure ouvrez-vous le samedi ?", "Merci, au revoir."],
    "expect": {"never_says": ["xyzzy"]},
}
SCENARIO_KEYS = {"name", "file", "description", "language", "call_sid", "error", "call", "passed", "total", "checks",
                 "transcript"}  # fmt: skip
SCORECARD_KEYS = {"org", "folder", "started_at", "finished_at", "duration_s", "parallel", "speed", "reply_timeout_s",
                  "caller_voices",
                  "min_score", "scenarios", "totals"}  # fmt: skip


@pytest.fixture
def agency(db) -> Organization:
    org = Organization.objects.create(slug="dupont", name="Agence Dupont")
    PhoneNumber.objects.create(number="+33142685300", organization=org)
    return org


@pytest.mark.parametrize(
    ("folder", "extra", "message"),
    [
        ("missing", [], "not a folder"),
        ("bad", [], "bad.json: 'expect'.'urgency' must be one of low, normal, high"),
        ("good", ["--caller-voice", "fr=shouting"], "unknown caller voice 'shouting'"),
        ("good", ["--caller-voice", "fr=piper"], "the piper voice does not speak 'fr'"),
        ("good", ["--caller-voice", "kokoro"], "LANG=VOICE"),
        ("good", ["--min-score", "120"], "--min-score must be a percentage"),
        ("good", ["--parallel", "0"], "--parallel must be 1 or more"),
        ("good", ["--speed", "0"], "speed must be between"),
        ("good", ["--org", "nobody"], "no organization 'nobody'"),
    ],
)
def test_bad_input_exits_2(agency, tmp_path: Path, folder: str, extra: list[str], message: str) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "bad").mkdir()
    (tmp_path / "good" / "ok.json").write_text(json.dumps(IMPOSSIBLE))
    (tmp_path / "bad" / "bad.json").write_text(json.dumps(IMPOSSIBLE | {"expect": {"urgency": "soon"}}))
    with pytest.raises(CommandError, match=message) as error:
        call_command("eval", str(tmp_path / folder), "--org", "dupont", *extra)
    assert error.value.returncode == 2


def scenario_folder(tmp_path: Path, language: str, extra: dict | None = None) -> Path:
    folder = tmp_path / language
    folder.mkdir()
    for name in KNOWN_GOOD[language]:
        shutil.copy(SUITES / language / f"{name}.json", folder)
    if extra is not None:
        (folder / ("impossible.json" if language == "en" else "probe.json")).write_text(json.dumps(extra))
    return folder


def check_structure(scorecard: dict, org: str, language: str, count: int) -> None:
    assert set(scorecard) == SCORECARD_KEYS
    assert scorecard["org"] == org and scorecard["caller_voices"] == {language: "default"}
    assert len(scorecard["scenarios"]) == count
    for scenario in scorecard["scenarios"]:
        assert set(scenario) == SCENARIO_KEYS
        assert scenario["language"] == language and scenario["call_sid"].startswith("CA") and not scenario["error"]
        assert scenario["total"] == len(scenario["checks"]) > 0
        assert scenario["passed"] == sum(check["passed"] for check in scenario["checks"])
        assert all(set(check) == {"check", "expected", "got", "passed"} for check in scenario["checks"])
        assert scenario["transcript"][0]["role"] == "agent"  # what the server said and heard, not the script
    lines = [line for scenario in scorecard["scenarios"] for line in scenario["transcript"]]
    assert any(line["role"] == "caller" and line["text"] for line in lines)
    totals = scorecard["totals"]
    assert totals["checks"] == sum(s["total"] for s in scorecard["scenarios"])
    assert totals["by_language"][language]["checks"] == totals["checks"]


def demo_agencies(data_dir: Path) -> dict[str, str]:
    """The demo agencies with their knowledge bases, as `synclead demo` sets them up."""
    env = offline_env(data_dir)
    # Indexing both knowledge bases takes half a minute on an idle machine, minutes on a busy one.
    setup = synclead("demo", "--no-serve", env=env, timeout=1200)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return env


@pytest.mark.slow
def test_scenarios_run_through_the_audio_loop(tmp_path: Path) -> None:
    env = demo_agencies(tmp_path / "data")

    # English: the known-good scenarios pass, the impossible one fails, and --min-score 100 says so with status 1.
    folder, out = scenario_folder(tmp_path, "en", IMPOSSIBLE), tmp_path / "en.json"
    args = ["eval", "--org", "demo", str(folder), "--json", str(out), "--min-score", "100", "--parallel", "3"]
    done = synclead(*args, env=env, timeout=900)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "is under --min-score 100" in done.stderr
    scorecard = json.loads(out.read_text())
    check_structure(scorecard, "demo", "en", 3)
    results = {s["name"]: s for s in scorecard["scenarios"]}
    for name in KNOWN_GOOD["en"]:
        assert results[name]["passed"] == results[name]["total"], results[name]
    impossible = results["impossible"]
    assert [(c["check"], c["passed"]) for c in impossible["checks"]][1:] == [("says", False), ("never_says", True)]
    assert "FAIL impossible [en]" in done.stdout and "FAIL says: expected 'the secret word is xyzzy'" in done.stdout
    assert f"({scorecard['totals']['score']} %)" in done.stdout

    # French, without a threshold: status 0, whatever the score.
    folder, out = scenario_folder(tmp_path, "fr", PROBE), tmp_path / "fr.json"
    done = synclead("eval", "--org", "demo-fr", str(folder), "--json", str(out), env=env, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    scorecard_fr = json.loads(out.read_text())
    check_structure(scorecard_fr, "demo-fr", "fr", len(KNOWN_GOOD["fr"]) + 1)
    results = {s["name"]: s for s in scorecard_fr["scenarios"]}
    for name in KNOWN_GOOD["fr"]:
        assert results[name]["passed"] == results[name]["total"], results[name]

    # Each organization's latest scorecard is kept for its dashboard page.
    stored = synclead(
        "shell", "-c",
        "from synclead.web.evals.models import Scorecard\n"
        "for s in Scorecard.objects.order_by('organization__slug'): print('stored', s.organization.slug, s.score)",
        env=env, timeout=120,
    )  # fmt: skip
    lines = [line.split()[1:] for line in stored.stdout.splitlines() if line.startswith("stored ")]
    assert lines == [["demo", str(scorecard["totals"]["score"])], ["demo-fr", str(scorecard_fr["totals"]["score"])]]
