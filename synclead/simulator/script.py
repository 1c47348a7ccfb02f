"""A scripted caller: what they say, in which language, from which number.

The script is user input (a JSON file), so every problem is reported with the field it concerns and nothing past
`load_script` ever sees an unchecked value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

LANGUAGES: Final = ("en", "fr")
MAX_TURNS: Final = 50
# A turn is one breath-group of speech; a paragraph would keep the agent from ever getting a word in.
MAX_TURN_CHARS: Final = 500
_E164: Final = re.compile(r"^\+[1-9]\d{6,14}$")
_KEYS: Final = frozenset({"language", "from", "turns"})


class ScriptError(ValueError):
    """The script file cannot be used; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class CallScript:
    language: str
    from_number: str
    turns: tuple[str, ...]


def load_script(path: Path) -> CallScript:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScriptError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"{path}: cannot read it: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScriptError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    try:
        return parse_script(data)
    except ScriptError as exc:
        raise ScriptError(f"{path}: {exc}") from None


def parse_script(data: Any) -> CallScript:
    if not isinstance(data, dict):
        raise ScriptError(f"the script must be a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise ScriptError(f"unknown field(s) {', '.join(map(repr, unknown))}; expected {sorted(_KEYS)}")
    missing = sorted(_KEYS - set(data))
    if missing:
        raise ScriptError(f"missing field(s) {', '.join(map(repr, missing))}")

    language = data["language"]
    if language not in LANGUAGES:
        raise ScriptError(f"'language' must be one of {', '.join(LANGUAGES)}, got {language!r}")

    from_number = data["from"]
    if not isinstance(from_number, str) or not _E164.match(from_number):
        raise ScriptError(f"'from' must be a phone number in E.164 form such as +33142685300, got {from_number!r}")

    turns = data["turns"]
    if not isinstance(turns, list) or not turns:
        raise ScriptError("'turns' must be a non-empty list of sentences")
    if len(turns) > MAX_TURNS:
        raise ScriptError(f"'turns' has {len(turns)} entries; at most {MAX_TURNS}")
    for index, turn in enumerate(turns):
        if not isinstance(turn, str) or not turn.strip():
            raise ScriptError(f"'turns'[{index}] must be a non-empty string, got {turn!r}")
        if len(turn) > MAX_TURN_CHARS:
            raise ScriptError(f"'turns'[{index}] is {len(turn)} characters long; at most {MAX_TURN_CHARS}")
    return CallScript(language=language, from_number=from_number, turns=tuple(t.strip() for t in turns))
