"""An evaluation scenario: a scripted caller (the simulator's script format) and what a good receptionist gets out of
the call.

A scenario is user input (a JSON file in a folder an agency writes), so every problem is reported with the file and
the field it concerns, and nothing past `load_scenario` ever sees an unchecked value.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from synclead.simulator.script import CallScript, ScriptError, parse_script

URGENCIES: Final = ("low", "normal", "high")
EXPECT_KEYS: Final = frozenset({"intent", "urgency", "name", "phone", "says", "never_says"})
TURN_KEYS: Final = frozenset({"say", "pause_ms", "hang_up_after"})
_KEYS: Final = frozenset({"description", "language", "from", "turns", "expect"})
_INTENT: Final = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_E164: Final = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_PHRASES: Final = 30
MAX_PHRASE_CHARS: Final = 200
MAX_PAUSE_MS: Final = 10_000
# A caller who hesitates mid-sentence: long enough for the agent's end-of-turn to fire (600 ms by default).
DEFAULT_PAUSE_MS: Final = 1200


class ScenarioError(ValueError):
    """The scenario file cannot be used; the message names the file and the field to fix."""


@dataclass(frozen=True, slots=True)
class Turn:
    """What the caller says in one go: parts separated by `pause_ms` of silence; on the last turn, `hang_up_after`
    (a fraction of the turn's audio) hangs up mid-sentence."""

    parts: tuple[str, ...]
    pause_ms: int = 0
    hang_up_after: float | None = None

    @property
    def text(self) -> str:
        return " ".join(self.parts)


@dataclass(frozen=True, slots=True)
class Phrase:
    """Something the agent says, in any of its wordings (alternatives), matched ignoring case and accents."""

    alternatives: tuple[str, ...]

    @property
    def label(self) -> str:
        return " | ".join(self.alternatives)


@dataclass(frozen=True, slots=True)
class Expectations:
    # None: not checked. An empty name means "the caller gave no name, so the lead must have none".
    intent: tuple[str, ...] | None = None
    urgency: str | None = None
    name: str | None = None
    phone: str | None = None
    says: tuple[Phrase, ...] = ()
    never_says: tuple[Phrase, ...] = ()

    @property
    def count(self) -> int:
        fields = (self.intent, self.urgency, self.name, self.phone)
        return sum(value is not None for value in fields) + len(self.says) + len(self.never_says)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    path: Path
    description: str
    script: CallScript
    turns: tuple[Turn, ...]
    expect: Expectations

    @property
    def language(self) -> str:
        return self.script.language


def _bare(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lower case, no accents, words separated by single spaces: "Déjà vu, 9:00!" → "deja vu 9 00"."""
    # Accents off before and after folding case: compatibility forms decompose into capitals ("㎴" is "pV"), and a
    # few marks fold into letters (Greek ypogegrammeni into iota).
    return " ".join(re.sub(r"[\W_]+", " ", _bare(_bare(text).casefold())).split())


def load_scenario(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read it: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    try:
        return parse_scenario(data, path)
    except (ScenarioError, ScriptError) as exc:
        raise ScenarioError(f"{path}: {exc}") from None


def load_folder(folder: Path) -> list[Scenario]:
    """Every `*.json` scenario in `folder` (not its subfolders), by file name; all errors at once."""
    if not folder.is_dir():
        raise ScenarioError(f"{folder}: not a folder")
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise ScenarioError(f"{folder}: no scenario (*.json) in it")
    scenarios, errors = [], []
    for path in paths:
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            errors.append(str(exc))
    if errors:
        raise ScenarioError("\n".join(errors))
    return scenarios


def parse_scenario(data: Any, path: Path) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(f"a scenario must be a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ScenarioError(f"unknown field(s) {', '.join(map(repr, unknown))}; expected {sorted(_KEYS)}")
    if "expect" not in data:
        raise ScenarioError("missing field 'expect'")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError(f"'description' must be a string, got {description!r}")
    raw_turns = data.get("turns")
    turns = _turns(raw_turns) if isinstance(raw_turns, list) else None
    # The simulator's own rules for language, number and turns; turns written as objects are checked as their text.
    script = parse_script(
        {key: data[key] for key in ("language", "from") if key in data}
        | {"turns": [turn.text for turn in turns] if turns is not None else raw_turns}
    )
    assert turns is not None  # parse_script refuses anything but a list
    return Scenario(path.stem, path, description.strip(), script, turns, _expectations(data["expect"]))


def _turns(raw: list[Any]) -> tuple[Turn, ...]:
    turns = []
    for index, item in enumerate(raw):
        where = f"'turns'[{index}]"
        if isinstance(item, str):
            turns.append(Turn((item.strip(),)))
            continue
        if not isinstance(item, dict):
            raise ScenarioError(f"{where} must be a string or an object with 'say', got {item!r}")
        unknown = sorted(set(item) - TURN_KEYS)
        if unknown:
            raise ScenarioError(
                f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; expected {sorted(TURN_KEYS)}"
            )
        say = item.get("say")
        parts = [say] if isinstance(say, str) else say
        if not isinstance(parts, list) or not parts or not all(isinstance(p, str) and p.strip() for p in parts):
            raise ScenarioError(f"{where}.'say' must be a non-empty string or list of non-empty strings, got {say!r}")
        pause = item.get("pause_ms", DEFAULT_PAUSE_MS if len(parts) > 1 else 0)
        if isinstance(pause, bool) or not isinstance(pause, int) or not 0 <= pause <= MAX_PAUSE_MS:
            raise ScenarioError(f"{where}.'pause_ms' must be a whole number of ms from 0 to {MAX_PAUSE_MS}")
        hang_up = item.get("hang_up_after")
        if hang_up is not None:
            if isinstance(hang_up, bool) or not isinstance(hang_up, int | float) or not 0 < hang_up < 1:
                raise ScenarioError(f"{where}.'hang_up_after' must be a fraction of the turn between 0 and 1")
            if index != len(raw) - 1:
                raise ScenarioError(f"{where}.'hang_up_after': only the last turn can end with a hang-up")
        turns.append(Turn(tuple(p.strip() for p in parts), pause, float(hang_up) if hang_up is not None else None))
    return tuple(turns)


def _expectations(raw: Any) -> Expectations:
    if not isinstance(raw, dict):
        raise ScenarioError(f"'expect' must be an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - EXPECT_KEYS)
    if unknown:
        raise ScenarioError(
            f"'expect': unknown field(s) {', '.join(map(repr, unknown))}; expected {sorted(EXPECT_KEYS)}"
        )
    intent = raw.get("intent")
    intents = (intent,) if isinstance(intent, str) else tuple(intent) if isinstance(intent, list) and intent else None
    if intent is not None and (intents is None or not all(isinstance(i, str) and _INTENT.match(i) for i in intents)):
        raise ScenarioError(
            f"'expect'.'intent' must be an intent name such as \"viewing\" (or a list of them), got {intent!r}"
        )
    urgency = raw.get("urgency")
    if urgency is not None and urgency not in URGENCIES:
        raise ScenarioError(f"'expect'.'urgency' must be one of {', '.join(URGENCIES)}, got {urgency!r}")
    name = raw.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 200):
        raise ScenarioError(f"'expect'.'name' must be a string (\"\" for no name), got {name!r}")
    phone = raw.get("phone")
    if phone is not None and (not isinstance(phone, str) or not (phone == "" or _E164.match(phone))):
        raise ScenarioError(f"'expect'.'phone' must be E.164 such as +33612345678 (\"\" for none), got {phone!r}")
    expect = Expectations(
        intents,
        urgency,
        name.strip() if isinstance(name, str) else None,
        phone,
        _phrases(raw.get("says", []), "says"),
        _phrases(raw.get("never_says", []), "never_says"),
    )
    if expect.count == 0:
        raise ScenarioError(f"'expect' checks nothing: give at least one of {sorted(EXPECT_KEYS)}")
    return expect


def _phrases(raw: Any, field: str) -> tuple[Phrase, ...]:
    where = f"'expect'.'{field}'"
    if not isinstance(raw, list):
        raise ScenarioError(f"{where} must be a list of phrases, got {raw!r}")
    if len(raw) > MAX_PHRASES:
        raise ScenarioError(f"{where} has {len(raw)} phrases; at most {MAX_PHRASES}")
    phrases = []
    for index, item in enumerate(raw):
        alternatives = [item] if isinstance(item, str) else item
        if not isinstance(alternatives, list) or not alternatives:
            raise ScenarioError(f"{where}[{index}] must be a phrase or a list of alternative phrases, got {item!r}")
        for alternative in alternatives:
            if not isinstance(alternative, str) or not normalize(alternative):
                raise ScenarioError(f"{where}[{index}] must hold words, got {alternative!r}")
            if len(alternative) > MAX_PHRASE_CHARS:
                raise ScenarioError(f"{where}[{index}] is longer than {MAX_PHRASE_CHARS} characters")
        phrases.append(Phrase(tuple(a.strip() for a in alternatives)))
    return tuple(phrases)
