"""What an offline call gave the agency: the lead's fields, its details, and a summary in the agency's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from synclead.agent.knowledge import Listing
from synclead.agent.offline.dialogue import Dialogue
from synclead.agent.offline.phrases import listing_note
from synclead.agent.offline.rules import classify_intent, classify_urgency
from synclead.engine.ports import CallOutcome

__all__ = ["Exchange", "call_outcome"]

_SLOT_LABELS = {
    "address": ("Address", "Adresse"),
    "kind": ("Property", "Bien"),
    "size": ("Size", "Surface"),
    "time": ("Viewing", "Visite"),
}


@dataclass(frozen=True, slots=True)
class Exchange:
    """One thing the caller asked, and what they were told ("" when nothing was known)."""

    question: str
    answer: str
    listings: tuple[Listing, ...] = ()


def call_outcome(
    reason: str,
    language: str,
    said: Sequence[str],
    exchanges: Sequence[Exchange],
    dialogue: Dialogue,
    message: str,
    phone: str,
) -> CallOutcome:
    everything = " ".join(said)
    lead = {
        "name": dialogue.slots.get("name", ""),
        "phone": phone,
        "email": "",
        "intent": classify_intent(everything, language) if everything else "",
        "urgency": classify_urgency(everything, language) if everything else "normal",
    }
    if message in (e.question.strip() for e in exchanges):
        message = ""  # already one of their questions
    lead["details"] = _details(language, exchanges, dialogue, message)
    return CallOutcome(reason=reason, lead=lead, summary=_summary(language, lead, reason, said, exchanges, message))


def _details(language: str, exchanges: Sequence[Exchange], dialogue: Dialogue, message: str) -> str:
    french = language == "fr"
    parts = []
    if questions := [e.question.strip() for e in exchanges]:
        parts.append(("Questions : " if french else "Questions: ") + " | ".join(questions))
    seen: dict[str, Listing] = {}
    for exchange in exchanges:
        seen.update((listing.reference, listing) for listing in exchange.listings)
    if seen:
        notes = "; ".join(listing_note(listing, language) for listing in seen.values())
        parts.append(("Biens évoqués : " if french else "Listings discussed: ") + notes)
    for slot, (english, french_label) in _SLOT_LABELS.items():
        if value := dialogue.slots.get(slot):  # type: ignore[call-overload]
            parts.append(f"{french_label} : {value}" if french else f"{english}: {value}")
    if message:
        parts.append(("Message : " if french else "Message: ") + message)
    return "\n".join(parts)


def _summary(
    language: str,
    lead: dict[str, str],
    reason: str,
    said: Sequence[str],
    exchanges: Sequence[Exchange],
    message: str,
) -> str:
    french = language == "fr"
    who = lead["name"] or ("L'appelant" if french else "The caller")
    phone = lead["phone"] or ("numéro inconnu" if french else "unknown number")
    if not said:
        if french:
            return f"Appel sans conversation ({reason}). Rappeler le {phone}."
        return f"Call with no conversation ({reason}). Call back {phone}."
    if not exchanges:
        words = (message or " ".join(said)).strip().rstrip(".!?… ")
        if french:
            return f"{who} a appelé : « {words} ». À rappeler au {phone}."
        return f"{who} called: “{words}.” Call back on {phone}."
    told = []
    for e in exchanges:
        if french:
            answer = f"réponse : « {e.answer} »" if e.answer else "pas de réponse dans la base, message proposé"
            told.append(f"« {e.question.strip()} » ({answer})")
        else:
            answer = f"answered: “{e.answer}”" if e.answer else "not in the knowledge base, message offered"
            told.append(f"“{e.question.strip()}” ({answer})")
    extra = ""
    if message:
        extra = f" Message : « {message} »." if french else f" Message: “{message}”."
    if french:
        return f"{who} a demandé : {' ; '.join(told)}.{extra} À rappeler au {phone}."
    return f"{who} asked: {'; '.join(told)}.{extra} Call back on {phone}."
