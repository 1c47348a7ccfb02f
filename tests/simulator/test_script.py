"""The call script is user input: every mistake is named with the field it concerns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synclead.simulator.script import MAX_TURN_CHARS, MAX_TURNS, CallScript, ScriptError, load_script, parse_script

GOOD = {"language": "en", "from": "+33612345678", "turns": ["Hello.", "  My name is Anna.  "]}


def test_a_good_script_loads(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(GOOD))
    assert load_script(path) == CallScript("en", "+33612345678", ("Hello.", "My name is Anna."))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"language": "de"}, "'language' must be one of en, fr"),
        ({"from": "0612345678"}, "'from' must be a phone number in E.164"),
        ({"from": 33612345678}, "'from' must be a phone number in E.164"),
        ({"turns": []}, "'turns' must be a non-empty list"),
        ({"turns": "Hello"}, "'turns' must be a non-empty list"),
        ({"turns": ["Hi", "  "]}, "'turns'[1] must be a non-empty string"),
        ({"turns": ["Hi", 3]}, "'turns'[1] must be a non-empty string"),
        ({"turns": ["x" * (MAX_TURN_CHARS + 1)]}, f"at most {MAX_TURN_CHARS}"),
        ({"turns": ["Hi"] * (MAX_TURNS + 1)}, f"at most {MAX_TURNS}"),
        ({"speed": 2}, "unknown field(s) 'speed'"),
    ],
)
def test_bad_fields_are_named(change: dict, message: str) -> None:
    with pytest.raises(ScriptError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        parse_script(GOOD | change)


def test_missing_fields_are_listed() -> None:
    with pytest.raises(ScriptError, match="missing field\\(s\\) 'from', 'turns'"):
        parse_script({"language": "en"})


def test_not_an_object() -> None:
    with pytest.raises(ScriptError, match="must be a JSON object, got list"):
        parse_script(["Hello"])


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="no such file"):
        load_script(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"language": "en",\n  "from": }')
    with pytest.raises(ScriptError, match=r"broken.json: not valid JSON: .* line 2, column 11"):
        load_script(broken)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(GOOD | {"language": "es"}))
    with pytest.raises(ScriptError, match=r"wrong.json: 'language'"):
        load_script(wrong)
