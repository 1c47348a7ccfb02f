"""Judging one call's report against its scenario, and the scorecard of a run: plain data, ready for JSON.

Everything is read from the server's report of the call (what it heard, said and wrote down), never from what the
scenario meant the caller to say.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from synclead.web.evals.scenario import Phrase, Scenario, normalize

NOT_SAID = "(not said)"
EXCERPT_CHARS = 160


def _spoken(phrase: Phrase, utterances: Sequence[str]) -> str | None:
    """The first agent utterance that says the phrase in one of its wordings, whole words only."""
    wanted = [f" {normalize(alternative)} " for alternative in phrase.alternatives]
    for text in utterances:
        padded = f" {normalize(text)} "
        if any(w in padded for w in wanted):
            return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"
    return None


def _check(name: str, expected: str, got: str, passed: bool) -> dict[str, Any]:
    return {"check": name, "expected": expected, "got": got, "passed": passed}


def checks(scenario: Scenario, report: Mapping[str, Any] | None, error: str = "") -> list[dict[str, Any]]:
    """One result per expectation, in the scenario's order; a call without a report fails them all with `error`."""
    expect = scenario.expect
    lead = report.get("lead", {}) if report is not None else {}
    transcript = report.get("transcript", []) if report is not None else []
    agent = [line["text"] for line in transcript if line.get("role") == "agent" and line.get("text")]
    missing = f"(no report: {error})" if report is None else None
    results = []
    if expect.intent is not None:
        got = lead.get("intent", "")
        results.append(_check("intent", " | ".join(expect.intent), missing or got, got in expect.intent))
    if expect.urgency is not None:
        got = lead.get("urgency", "")
        results.append(_check("urgency", expect.urgency, missing or got, got == expect.urgency))
    if expect.name is not None:
        got = lead.get("name", "")
        results.append(_check("name", expect.name, missing or got, normalize(got) == normalize(expect.name)))
    if expect.phone is not None:
        got = lead.get("phone", "")
        results.append(_check("phone", expect.phone, missing or got, got == expect.phone))
    for phrase in expect.says:
        said = _spoken(phrase, agent)
        results.append(_check("says", phrase.label, missing or said or NOT_SAID, report is not None and bool(said)))
    for phrase in expect.never_says:
        said = _spoken(phrase, agent)
        results.append(_check("never_says", phrase.label, missing or said or NOT_SAID, report is not None and not said))
    if report is None:
        for result in results:
            result["passed"] = False
    return results


def scenario_result(
    scenario: Scenario, report: Mapping[str, Any] | None, error: str = "", call: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    results = checks(scenario, report, error)
    passed = sum(result["passed"] for result in results)
    return {
        "name": scenario.name,
        "file": str(scenario.path),
        "description": scenario.description,
        "language": scenario.language,
        "call_sid": report.get("call_sid", "") if report is not None else "",
        "error": error,
        # How the simulated call went (who ended it, turns the agent left unanswered): to read a failure by.
        "call": dict(call or {}),
        "passed": passed,
        "total": len(results),
        "checks": results,
        "transcript": [
            {"role": line.get("role", ""), "text": line.get("text", "")}
            for line in (report.get("transcript", []) if report is not None else [])
        ],
    }


def _percent(passed: int, total: int) -> float:
    return round(100 * passed / total, 1) if total else 0.0


def totals(results: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts over scenarios and checks, overall, per language and per kind of check."""
    results = list(results)
    checks_total = sum(r["total"] for r in results)
    checks_passed = sum(r["passed"] for r in results)
    by_language: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_check: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        by_language[result["language"]][0] += result["passed"]
        by_language[result["language"]][1] += result["total"]
        for check in result["checks"]:
            by_check[check["check"]][0] += check["passed"]
            by_check[check["check"]][1] += 1
    return {
        "scenarios": len(results),
        "scenarios_passed": sum(r["passed"] == r["total"] for r in results),
        "checks": checks_total,
        "checks_passed": checks_passed,
        "score": _percent(checks_passed, checks_total),
        "by_language": {
            language: {"checks": total, "checks_passed": passed, "score": _percent(passed, total)}
            for language, (passed, total) in sorted(by_language.items())
        },
        "by_check": {
            name: {"checks": total, "checks_passed": passed, "score": _percent(passed, total)}
            for name, (passed, total) in sorted(by_check.items())
        },
    }


def render_text(scorecard: Mapping[str, Any]) -> list[str]:
    """The scorecard as the command prints it: each scenario, each check, then the totals."""
    lines = []
    for result in scorecard["scenarios"]:
        verdict = "PASS" if result["passed"] == result["total"] else "FAIL"
        lines.append(f"{verdict} {result['name']} [{result['language']}] {result['passed']}/{result['total']}")
        if result["error"]:
            lines.append(f"     call failed: {result['error']}")
        for check in result["checks"]:
            mark = "ok  " if check["passed"] else "FAIL"
            lines.append(f"  {mark} {check['check']}: expected {check['expected']!r}, got {check['got']!r}")
    total = scorecard["totals"]
    lines.append(
        f"{total['scenarios_passed']}/{total['scenarios']} scenarios passed; "
        f"{total['checks_passed']}/{total['checks']} checks passed ({total['score']} %)"
    )
    for language, part in total["by_language"].items():
        lines.append(f"  {language}: {part['checks_passed']}/{part['checks']} checks ({part['score']} %)")
    for name, part in total["by_check"].items():
        lines.append(f"  {name}: {part['checks_passed']}/{part['checks']} ({part['score']} %)")
    return lines
