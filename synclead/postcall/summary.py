"""An extractive summary in the organization's language: who called, why, their key sentences, what was agreed.

Extractive on purpose: every word in it was said on the call, so an offline summary can be wrong by omission but
never by invention. The LLM, when there is one, may write a better one (`postcall.llm`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from synclead.postcall.extract import Extraction, Line

MAX_QUOTES = 4
_AGREED = re.compile(
    r"\b(?:call you back|get back to you|advisor|adviser|colleague|will (?:send|call|contact|book|arrange)|booked"
    r"|rappeler|rappelle|rappellera|conseill(?:er|ère)|collègue|va vous|vais vous|noté|transmets|transmettre)\b",
    re.IGNORECASE,
)
_LABELS = {
    "en": {"caller": "Caller", "intent": "Request", "urgency": "urgency", "said": "They said", "agreed": "Agreed",
           "nothing": "The caller said nothing the agent could transcribe."},
    "fr": {"caller": "Appelant", "intent": "Demande", "urgency": "urgence", "said": "Propos", "agreed": "Convenu",
           "nothing": "L'appelant n'a rien dit que l'agent ait pu transcrire."},
}  # fmt: skip
_FR_WORDS = {
    "rent": "location", "buy": "achat", "sell": "vente", "valuation": "estimation",
    "property_management": "gestion locative", "tenant_issue": "problème de locataire", "viewing": "visite",
    "general_question": "question générale", "other": "autre", "low": "faible", "normal": "normale", "high": "haute",
}  # fmt: skip


def _word(value: str, language: str) -> str:
    return _FR_WORDS.get(value, value.replace("_", " ")) if language == "fr" else value.replace("_", " ")


def _quote(text: str, language: str) -> str:
    text = " ".join(text.split())
    return f"« {text} »" if language == "fr" else f'"{text}"'


def summarize(lines: Sequence[Line], language: str, extraction: Extraction) -> str:
    language = "fr" if language.lower().startswith("fr") else "en"
    labels = _LABELS[language]
    caller = [line for line in lines if line.role == "caller" and line.text.strip()]
    if not caller:
        return labels["nothing"]
    who = " ".join(part for part in (extraction.name, extraction.phone and f"({extraction.phone})") if part)
    parts = [
        f"{labels['caller']}: {who or '?'}." if language == "en" else f"{labels['caller']} : {who or '?'}.",
        f"{labels['intent']}: {_word(extraction.intent, language)}, {labels['urgency']} "
        f"{_word(extraction.urgency, language)}.",
    ]
    if language == "fr":
        parts[1] = parts[1].replace(":", " :", 1)
    # The caller's sentences that carried a field, in the order they were said; else their first words.
    cited = {e.get("utterance") for e in extraction.evidence.values()} - {None}
    quotes = [line.text for line in caller if line.id in cited][:MAX_QUOTES] or [caller[0].text]
    colon = " :" if language == "fr" else ":"
    parts.append(f"{labels['said']}{colon} " + " ".join(_quote(text, language) for text in quotes))
    agreed = [line.text for line in lines if line.role == "agent" and _AGREED.search(line.text)]
    if agreed:
        parts.append(f"{labels['agreed']}{colon} {_quote(agreed[-1], language)}")
    return " ".join(parts)
