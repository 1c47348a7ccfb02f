"""Scenario files: the suites load, and every mistake is reported with the file and the field to fix."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from synclead.web.evals.scenario import ScenarioError, load_folder, load_scenario, normalize

SUITES = Path(__file__).resolve().parents[2] / "examples" / "eval"
GOOD = {
    "description": "Asks the Saturday hours.",
    "language": "en",
    "from": "+33611220002",
    "turns": ["Hi, are you open on Saturday?", {"say": ["No,", "that's all."], "pause_ms": 900}, "Goodbye."],
    "expect": {"intent": "general_question", "name": "", "says": [["10 am", "10:00"]], "never_says": ["sorry"]},
}


def write(folder: Path, data: object, name: str = "scenario.json") -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_demo_suites_load(language: str) -> None:
    scenarios = load_folder(SUITES / language)
    assert len(scenarios) >= 30
    assert {scenario.language for scenario in scenarios} == {language}
    # Distinct caller numbers: calls from one number within minutes would be grouped on one lead.
    assert len({scenario.script.from_number for scenario in scenarios}) == len(scenarios)
    kinds = {check for s in scenarios for check in ("intent", "urgency", "name", "phone") if getattr(s.expect, check)}
    assert kinds == {"intent", "urgency", "name", "phone"}
    assert any(s.turns[-1].hang_up_after for s in scenarios) and any(s.expect.never_says for s in scenarios)


def test_a_good_scenario(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, GOOD))
    assert scenario.name == "scenario" and scenario.language == "en"
    assert scenario.script.turns == ("Hi, are you open on Saturday?", "No, that's all.", "Goodbye.")
    assert scenario.turns[1].parts == ("No,", "that's all.") and scenario.turns[1].pause_ms == 900
    assert scenario.expect.intent == ("general_question",) and scenario.expect.name == ""
    assert scenario.expect.phone is None and scenario.expect.count == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expect": None}, "'expect' must be an object"),
        ({"colour": "blue"}, "unknown field(s) 'colour'"),
        ({"language": "de"}, "'language' must be one of"),
        ({"from": "0612345678"}, "'from' must be a phone number in E.164"),
        ({"turns": []}, "'turns' must be a non-empty list"),
        ({"turns": [42]}, "'turns'[0] must be a string or an object with 'say'"),
        ({"turns": [{"say": ""}]}, "'turns'[0].'say' must be a non-empty string"),
        ({"turns": [{"say": "Hi", "shout": True}]}, "'turns'[0]: unknown field(s) 'shout'"),
        ({"turns": [{"say": ["a", "b"], "pause_ms": -5}]}, "'turns'[0].'pause_ms'"),
        ({"turns": [{"say": "Hi", "hang_up_after": 1.5}]}, "'turns'[0].'hang_up_after' must be a fraction"),
        ({"turns": [{"say": "Hi", "hang_up_after": 0.5}, "Bye"]}, "only the last turn can end with a hang-up"),
        ({"turns": ["x" * 501]}, "'turns'[0] is 501 characters long"),
        ({"expect": {}}, "'expect' checks nothing"),
        ({"expect": {"mood": "happy"}}, "'expect': unknown field(s) 'mood'"),
        ({"expect": {"intent": "Buy a flat"}}, "'expect'.'intent' must be an intent name"),
        ({"expect": {"urgency": "asap"}}, "'expect'.'urgency' must be one of low, normal, high"),
        ({"expect": {"name": 7}}, "'expect'.'name' must be a string"),
        ({"expect": {"phone": "06 12 34 56 78"}}, "'expect'.'phone' must be E.164"),
        ({"expect": {"says": "hello"}}, "'expect'.'says' must be a list of phrases"),
        ({"expect": {"says": [[]]}}, "'expect'.'says'[0] must be a phrase or a list"),
        ({"expect": {"never_says": ["?!"]}}, "'expect'.'never_says'[0] must hold words"),
    ],
)
def test_mistakes_name_the_file_and_the_field(tmp_path: Path, change: dict, message: str) -> None:
    path = write(tmp_path, GOOD | change)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_a_missing_field(tmp_path: Path) -> None:
    data = {key: value for key, value in GOOD.items() if key != "from"}
    with pytest.raises(ScenarioError, match="missing field"):
        load_scenario(write(tmp_path, data))


def test_files_that_are_not_scenarios(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nothing.json")
    with pytest.raises(ScenarioError, match=r"not valid JSON: .* line 1"):
        load_scenario(write(tmp_path, "{oops"))
    with pytest.raises(ScenarioError, match="must be a JSON object, got list"):
        load_scenario(write(tmp_path, [1, 2]))


def test_a_folder_reports_every_bad_file_at_once(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a-good.json")
    write(tmp_path, GOOD | {"language": "de"}, "b-bad.json")
    write(tmp_path, "[]", "c-bad.json")
    with pytest.raises(ScenarioError) as error:
        load_folder(tmp_path)
    lines = str(error.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [str(tmp_path / "b-bad.json"), str(tmp_path / "c-bad.json")]
    with pytest.raises(ScenarioError, match="not a folder"):
        load_folder(tmp_path / "a-good.json")  # a file, not a folder
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ScenarioError, match=r"no scenario \(\*\.json\)"):
        load_folder(empty)


# Latin letters, digits, punctuation and the combining accents French uses: what scenarios and agents write.
ACCENTS = ["\u0300", "\u0301", "\u0302", "\u0308", "\u0327"]
LATIN = st.text(st.characters(max_codepoint=0x2FF) | st.sampled_from(ACCENTS))


@given(LATIN)
def test_normalize_is_idempotent_and_ignores_case_and_accents(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert normalize(text.casefold()) == once
    stripped = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    assert normalize(stripped) == once
    assert "  " not in once and once == once.strip()


def test_normalize_examples() -> None:
    assert normalize("Déjà vu, 9:00 — À BIENTÔT!") == "deja vu 9 00 a bientot"
    assert normalize("Notre-Dame-de-Lorette") == "notre dame de lorette"
