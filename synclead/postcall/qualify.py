"""What an advisor needs to know before calling back: rent, buy or sell, where, what, how big, when, how paid.

`synclead.agent.offline.criteria.parse_criteria` already reads kind, area, rooms and budget from one utterance; this
adds the few things a search does not need but an advisor does (property type, move-in date, financing, a viewing).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from synclead.agent.offline.criteria import parse_criteria
from synclead.agent.offline.rules import classify_intent, fold

# Folded text (no accents, lower case), so "appartement" and "Appartement" read the same.
_PROPERTY_TYPES: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(rf"\b(?:{pattern})\b"))
    for name, pattern in [
        ("studio", r"studios?"),
        ("apartment", r"flats?|apartments?|appartements?|apparts?|duplex|loft|t[1-6]|f[1-6]"),
        ("house", r"houses?|maisons?|villas?|pavillons?|cottage"),
        ("office", r"offices?|bureaux?|local commercial|commercial premises|shop|boutique"),
        ("parking", r"parking|garage|box"),
        ("land", r"land|plot|terrain"),
    ]
]
_MOVE_IN = re.compile(
    r"\b(?:(?:from|in|by|for|starting|start of|beginning of|end of|des|a partir d|a partir de|en|pour|debut|fin|d ici)"
    r" (?:le |la |the )?(?:\d{1,2} )?(?:january|february|march|april|may|june|july|august|september|october"
    r"|november|december|janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
    r"|next month|le mois prochain|la rentree|the summer|l ete|next year|l annee prochaine)"
    r"|next month|le mois prochain|as soon as possible|asap|des que possible|au plus vite|immediately"
    r"|tout de suite|right away|in (?:two|three|\d) (?:weeks|months)|dans (?:deux|trois|\d) (?:semaines|mois))\b"
)
_FINANCING: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(rf"\b(?:{pattern})\b"))
    for name, pattern in [
        ("mortgage_approved", r"pre ?approved|mortgage in principle|accord de (?:pret|principe)|pret accorde"),
        ("mortgage", r"mortgage|loan|bank|pret|credit|emprunt|banque|financement"),
        ("cash", r"cash|comptant|sans pret|without a loan|fonds propres"),
    ]
]
_VIEWING = re.compile(r"\b(?:viewing|visit|see (?:it|the \w+)|come and see|visite|visiter|voir (?:le|la|l) ?\w*)\b")
_NEGATED_VIEWING = re.compile(r"\b(?:no|not|pas|don t|sans) (?:\w+ ){0,2}(?:viewing|visit|visite|visiter)\b")


def _first(utterances: Sequence[tuple[int, str]], find) -> tuple[Any, int] | None:
    for utterance_id, text in utterances:
        value = find(text)
        if value not in (None, "", ()):
            return value, utterance_id
    return None


def qualify(
    utterances: Sequence[tuple[int, str]], language: str, intent: str
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The qualification details and, for each, `{"confidence", "utterance"}` pointing at where it was said."""
    values: dict[str, Any] = {}
    evidence: dict[str, dict[str, Any]] = {}

    def put(name: str, found: tuple[Any, int] | None, confidence: float) -> None:
        if found is not None and name not in values:
            values[name], evidence[name] = found[0], {"confidence": confidence, "utterance": found[1]}

    # The criteria reader returns None for owners and tenants: their details are asked for separately below.
    for utterance_id, text in utterances:
        criteria = parse_criteria(text, language)
        if criteria is None:
            continue
        for name, value in [
            ("kind", criteria.kind),
            ("area", criteria.area),
            ("rooms", criteria.min_rooms),
            ("bedrooms", criteria.min_bedrooms),
            ("budget", criteria.max_price),
            ("surface_m2", criteria.min_surface_m2),
        ]:
            if value is not None:
                put(name, (value, utterance_id), 0.8)
    if "kind" not in values and intent in ("rent", "buy", "sell"):
        put("kind", (intent, _said(utterances, language, intent)), 0.6)
    put("property_type", _first(utterances, lambda t: _match_name(_PROPERTY_TYPES, fold(t))), 0.7)
    put("move_in", _first(utterances, lambda t: (m := _MOVE_IN.search(fold(t))) and m.group(0)), 0.6)
    put("financing", _first(utterances, lambda t: _match_name(_FINANCING, fold(t))), 0.7)
    viewing = _first(utterances, lambda t: (_VIEWING.search(fold(t)) and not _NEGATED_VIEWING.search(fold(t))) or None)
    if viewing is not None or intent == "viewing":
        put("viewing_wanted", (True, viewing[1] if viewing else _said(utterances, language, intent)), 0.7)
    return values, evidence


def _match_name(patterns: list[tuple[str, re.Pattern[str]]], folded: str) -> str | None:
    return next((name for name, pattern in patterns if pattern.search(folded)), None)


def _said(utterances: Sequence[tuple[int, str]], language: str, intent: str) -> int:
    return next((uid for uid, text in utterances if classify_intent(text, language) == intent), utterances[0][0])
