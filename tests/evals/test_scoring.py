"""Scoring a call's report against its scenario: each kind of check, passing and failing, and the totals."""

from __future__ import annotations

from pathlib import Path

from synclead.web.evals.scenario import parse_scenario
from synclead.web.evals.scoring import checks, render_text, scenario_result, totals

SCENARIO = parse_scenario(
    {
        "language": "fr",
        "from": "+33611223344",
        "turns": ["Bonjour, ça sent le gaz chez moi.", "Je m'appelle Hélène Garnier."],
        "expect": {
            "intent": ["tenant_issue", "other"],
            "urgency": "high",
            "name": "helene GARNIER",
            "phone": "+33611223344",
            "says": [["pompiers", "112"], "RAPPELLERA", "au revoir"],
            "never_says": ["pas pressé", "nom"],
        },
    },
    Path("gaz.json"),
)


def report(agent: list[str], **lead: str) -> dict:
    return {
        "call_sid": "CA1",
        "transcript": [{"role": "agent", "text": text} for text in agent]
        + [{"role": "caller", "text": "Au revoir, pas pressé."}],
        "lead": {"name": "", "phone": "", "intent": "", "urgency": "normal"} | lead,
    }


def by_check(results: list[dict]) -> list[tuple[str, bool]]:
    return [(result["check"], result["passed"]) for result in results]


def test_a_good_call_passes_every_check() -> None:
    good = report(
        ["Quittez le logement et appelez les pompiers.", "Un conseiller vous rappellera. Au revoir !"],
        name="Hélène Garnier", phone="+33611223344", intent="other", urgency="high",
    )  # fmt: skip
    results = checks(SCENARIO, good)
    assert all(passed for _, passed in by_check(results)), results
    assert results[4]["got"] == "Quittez le logement et appelez les pompiers."
    assert results[-1]["got"] == "(not said)"


def test_each_check_fails_on_its_own() -> None:
    bad = report(
        ["Votre nom, s'il vous plaît ?", "Ce n'est pas pressé."],
        name="Hélène Garnie", phone="+33600000000", intent="sell", urgency="normal",
    )  # fmt: skip
    assert by_check(checks(SCENARIO, bad)) == [
        ("intent", False), ("urgency", False), ("name", False), ("phone", False),
        ("says", False), ("says", False), ("says", False), ("never_says", False), ("never_says", False),
    ]  # fmt: skip


def test_phrases_match_whole_words_in_what_the_agent_said() -> None:
    # "renommé" holds "nom" and "prénom" is another word: neither is the word "nom". The caller's words never count.
    results = checks(SCENARIO, report(["Un agent renommé, votre prénom ?"]))
    assert [r["passed"] for r in results if r["check"] == "never_says"] == [True, True]


def test_no_report_fails_every_check_and_says_why() -> None:
    result = scenario_result(SCENARIO, None, "the media stream was refused: HTTP 403")
    assert result["passed"] == 0 and result["total"] == 9 and result["error"]
    assert all("the media stream was refused" in check["got"] for check in result["checks"])


def test_totals_and_the_printed_scorecard() -> None:
    said = ["Appelez le 112. Il vous rappellera. Au revoir."]
    lead = {"name": "Helene Garnier", "phone": "+33611223344", "intent": "tenant_issue", "urgency": "high"}
    passing = scenario_result(SCENARIO, report(said, **lead))
    failing = scenario_result(SCENARIO, None, "no answer")
    summary = totals([passing, failing])
    assert summary["scenarios"] == 2 and summary["scenarios_passed"] == 1
    assert (summary["checks"], summary["checks_passed"], summary["score"]) == (18, 9, 50.0)
    assert summary["by_language"] == {"fr": {"checks": 18, "checks_passed": 9, "score": 50.0}}
    assert summary["by_check"]["says"] == {"checks": 6, "checks_passed": 3, "score": 50.0}
    assert totals([])["score"] == 0.0
    lines = render_text({"scenarios": [passing, failing], "totals": summary})
    assert lines[0] == "PASS gaz [fr] 9/9"
    assert "FAIL gaz [fr] 0/9" in lines and "     call failed: no answer" in lines
    assert "1/2 scenarios passed; 9/18 checks passed (50.0 %)" in lines
