"""Offline extraction of a lead from what the caller said: no network, the same answer every time.

Input is the call's utterances (anything with `id`, `role` and `text`: `Utterance` rows in production); output is
an `Extraction` whose every field says how sure it is and which caller utterance it came from, so the dashboard can
show the sentence behind each value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from synclead.agent.offline import names as ner
from synclead.agent.offline.numbers import parse_phone, region_of
from synclead.agent.offline.rules import classify_urgency, extract_name
from synclead.postcall import intents as intent_rules
from synclead.postcall.qualify import qualify
from synclead.postcall.summary import summarize
from synclead.providers.embeddings import Embedder

__all__ = ["Extraction", "Line", "extract", "find_email"]


class Line(Protocol):
    id: int
    role: str
    text: str


@dataclass(slots=True)
class Extraction:
    name: str = ""
    phone: str = ""
    email: str = ""
    intent: str = ""
    urgency: str = "normal"
    qualification: dict[str, Any] = field(default_factory=dict)
    # Per field: {"confidence": 0..1, "utterance": id or None}; the same shape as `Lead.evidence`.
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    summary: str = ""


# Asked by the agent just before a bare "Marie Dubois." that is then read as a name.
_ASKS_NAME = re.compile(
    r"\b(?:name|nom|appelez|qui (?:est a|ai je)|who(?:'s| is) (?:calling|speaking)|de la part de qui)\b", re.IGNORECASE
)

# Written ("jean.dupont@gmail.com") or spoken ("john dot smith at gmail dot com", "arobase", "point").
_DOT = r"(?:\s*\.\s*|\s+(?:dot|point)\s+)"
_SPOKEN_EMAIL = re.compile(
    rf"\b([a-z0-9][a-z0-9_\-]*(?:{_DOT}[a-z0-9_\-]+)*)(?:\s*@\s*|\s+(?:at|arobase)\s+)([a-z0-9\-]+(?:{_DOT}[a-z0-9\-]+)+)\b",
    re.IGNORECASE,
)


def find_email(text: str) -> str | None:
    """The email address written or spelled out in `text`, lower-cased, or None."""
    for match in _SPOKEN_EMAIL.finditer(text):
        local, domain = (re.sub(_DOT, ".", part).lower() for part in match.groups())
        candidate = f"{local}@{domain}"
        try:
            validate_email(candidate)
        except ValidationError:
            continue
        return candidate
    return None


def extract(
    lines: Sequence[Line],
    language: str,
    caller_id: str = "",
    intents: Sequence[str] = (),
    embedder: Embedder | None = None,
) -> Extraction:
    """The lead fields and an extractive summary from a call's utterances, in the order they were said."""
    caller = [(line.id, line.text) for line in lines if line.role == "caller" and line.text.strip()]
    result = Extraction()
    ev = result.evidence
    name = _name(lines, language)
    if name:
        result.name, ev["name"] = name[0], {"confidence": name[2], "utterance": name[1]}
    own_region = region_of(caller_id) if caller_id else None
    for utterance_id, text in caller:
        phone = parse_phone(text, language, default_region=own_region)
        if phone:
            result.phone, ev["phone"] = phone, {"confidence": 0.9, "utterance": utterance_id}
    if not result.phone and caller_id and parse_phone(caller_id, language):
        # The number they called from is the callback number unless they said another.
        result.phone, ev["phone"] = parse_phone(caller_id, language) or "", {"confidence": 0.6, "utterance": None}
    for utterance_id, text in caller:
        email = find_email(text)
        if email:
            result.email, ev["email"] = email, {"confidence": 0.8, "utterance": utterance_id}
    guess = intent_rules.classify(caller, language, intents or intent_rules.DEFAULT_INTENTS, embedder)
    result.intent, ev["intent"] = guess.intent, {"confidence": guess.confidence, "utterance": guess.utterance}
    result.urgency, ev["urgency"] = _urgency(caller, language)
    result.qualification, qualification_evidence = qualify(caller, language, result.intent)
    ev.update(qualification_evidence)
    result.summary = summarize(lines, language, result)
    return result


def _name(lines: Sequence[Line], language: str) -> tuple[str, int, float] | None:
    """The last name the caller gave (a correction outranks the first try), its utterance and a confidence.

    The keyword rules read first: they know "my name is …". Spacy's NER is the second opinion, asked about an
    utterance where the rules found a name or that answers the agent's name question: both agreeing gives 0.9; the
    rules alone 0.75 (0.7 for a bare answer); where they find nothing or disagree, NER's person decides at 0.6; and
    a rules' "name" that NER calls a place ("Montmartre.") is refused. Without spaCy the rules decide alone.
    """
    use_ner = ner.available()
    found: tuple[str, int, float] | None = None
    asked = False
    for line in lines:
        if line.role != "caller":
            asked = bool(_ASKS_NAME.search(line.text.replace("\u2019", "'")))
            continue
        confidence = 0.85
        name = extract_name(line.text, language)
        if not name and asked and (name := extract_name(line.text, language, expecting_name=True)):
            confidence = 0.7
        if use_ner and (name or asked):
            name, confidence = _second_opinion(line.text, name, confidence)
        if name:
            found = (name, line.id, confidence)
        asked = False
    return found


def _second_opinion(text: str, rule_name: str | None, rule_confidence: float) -> tuple[str | None, float]:
    seen = ner.entities(text)
    if rule_name:
        for person in seen.persons:
            if ner.same_name(rule_name, person):  # the fuller reading: "Paul" and "Paul Girard" are one person
                return max(rule_name, person, key=len), 0.9
        if seen.persons:
            return seen.persons[0], 0.6
        if any(ner.same_name(rule_name, place) for place in seen.places):
            return None, 0.0
        return rule_name, min(rule_confidence, 0.75)
    if seen.persons:
        return seen.persons[0], 0.6
    return None, 0.0


def _urgency(caller: Sequence[tuple[int, str]], language: str) -> tuple[str, dict[str, Any]]:
    # One alarming sentence makes the call urgent, whatever else was said.
    levels = [(classify_urgency(text, language), utterance_id) for utterance_id, text in caller]
    for wanted, confidence in (("high", 0.9), ("low", 0.7)):
        for level, utterance_id in levels:
            if level == wanted:
                return level, {"confidence": confidence, "utterance": utterance_id}
    return "normal", {"confidence": 0.5, "utterance": None}
