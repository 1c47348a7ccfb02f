"""The offline agent's dialogue state: what the caller wants, what is still missing for it, what awaits a yes.

A caller answers the question they were asked, and often more ("it's a flat, about 70 square metres, call me on
06…"): every turn is searched for every slot, so nothing said once is asked for again. Each errand needs its own
slots (a seller the property's address, kind and size; a viewing a time; every message a name and a number); a slot
is asked at most three times (the question, then two re-asks), after which the agent goes on without it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from synclead.agent.offline import names
from synclead.agent.offline.acts import Acts
from synclead.agent.offline.criteria import arrondissement_of, property_kind, property_size
from synclead.agent.offline.numbers import parse_phone
from synclead.agent.offline.rules import extract_name, fold

__all__ = ["ERRAND_SLOTS", "MAX_ASKS", "Dialogue", "Errand", "Slot", "name_in", "value_for"]

Slot = Literal["address", "kind", "size", "time", "name", "phone"]
# What the caller came for, as far as the agent acts on it (questions and searches need no slot).
Errand = Literal["message", "seller", "viewing", "tenant_issue"]
ERRAND_SLOTS: dict[Errand, tuple[Slot, ...]] = {
    "message": ("name", "phone"),
    # The offer of a valuation appointment comes between the property and the caller's details.
    "seller": ("address", "kind", "size", "name", "phone"),
    "viewing": ("time", "name", "phone"),
    "tenant_issue": ("address", "name", "phone"),
}
# The question, then two re-asks: a fourth time would only annoy the caller.
MAX_ASKS = 3

_STREET = (
    r"rue|avenue|av|boulevard|bd|place|quai|impasse|allee|chemin|route|cours|square|passage|villa|street|st|road|rd"
    r"|lane|drive|close|way|court|crescent|terrace|gardens"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,4}}(?: ?(?:bis|ter))?,? (?:[^\W\d_]+ ){{0,4}}?(?:{_STREET}|allée)\b(?:[ '\u2019-][^\W\d_]+){{0,5}}",
    re.IGNORECASE,
)
_ADDRESS_LEAD = re.compile(
    r"^(?:(?:uh|um|euh|so|well|alors|donc|yes|yeah|oui|ok|okay)\b[, ]*)*(?:it s|it is|that s|the address is|it s at"
    r"|we re at|i live at|at|c est|c est au|l adresse c est|l adresse est|au|j habite au|j habite)?\s*"
)
_TIME = re.compile(
    r"\b(?:today|tonight|tomorrow|morning|afternoon|evening|noon|weekend|week|monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday|am|pm|o clock|\d{1,2} ?(?:h|am|pm|heures?)|\d{1,2} \d{2}|aujourd hui|ce soir|demain"
    r"|matin|apres midi|soir|midi|semaine|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|whenever"
    r"|any time|anytime|n importe quand|quand vous voulez)\b"
)


def name_in(text: str, language: str, acts: Acts, expecting: bool) -> str | None:
    """The caller's name, only from words that are one.

    "My name is …" and "… speaking" are evidence enough. An answer to "may I have your name?" must be name-like:
    no act ("perfect", "okay", "merci"), no filler word, and when the rules see no name in it the NER model may
    ("Oui, pour Anne-Sophie Lambert"); a person it names must still pass the rules ("Lovely" does not).
    """
    said = extract_name(text, language, expecting_name=False)
    if said:
        return said
    if not expecting or acts.acts:
        return None
    bare = extract_name(text, language, expecting_name=True)
    if bare or not names.available():
        return bare
    for person in names.person_names(text):
        if extract_name(person, language, expecting_name=True) == person:
            return person
    return None


def _address(text: str, asked: bool) -> str | None:
    if match := _ADDRESS.search(text):
        return match.group(0)
    if not asked or extract_name(text, "", expecting_name=False):
        return None  # "my name is …" answers another question
    rest = _ADDRESS_LEAD.sub("", fold(text), count=1).strip()
    # Asked for it: a place said plainly counts ("in the ninth, near the park"), a lone word or a filler does not.
    if len(rest.split()) >= 2 or arrondissement_of(rest) is not None:
        return text.strip().rstrip(".!?")
    return None


def value_for(slot: Slot, text: str, language: str, acts: Acts, region: str, asked: bool) -> str | None:
    """The value `text` gives for `slot`, said on its own or in passing; None when it gives none."""
    if slot == "phone":
        return parse_phone(text, language, region)
    if slot == "name":
        return name_in(text, language, acts, expecting=asked)
    if slot == "address":
        return _address(text, asked)
    if slot == "kind":
        return property_kind(text, language)
    if slot == "size":
        size = property_size(text, language)
        if size is None and asked and (number := re.search(r"\b(\d{2,4})\b", fold(text))):
            return f"{number.group(1)} m²"  # "about 70", asked how big: square metres
        return size
    if slot == "time":
        return text.strip().rstrip(".!?") if asked and _TIME.search(fold(text)) else None
    return None


@dataclass
class Dialogue:
    """What the caller wants and what is known, for one call."""

    errand: Errand | None = None
    slots: dict[Slot, str] = field(default_factory=dict)
    asking: Slot | None = None  # the slot the last question was about
    asks: Counter[Slot] = field(default_factory=Counter)
    skipped: set[Slot] = field(default_factory=set)  # asked three times in vain, or declined
    candidate_phone: str = ""  # read back, waiting for a yes
    caller_id_offered: bool = False  # "can we call you back on the number ending in …?" waits for an answer
    offer: str = ""  # an offer made and not yet answered: "callback", "listing", "valuation"
    offer_ends_call: bool = False  # whether "no" to it is goodbye
    valuation_offered: bool = False

    def start(self, errand: Errand) -> None:
        # A message taken after a seller's details keeps them: the errand only grows more specific.
        if self.errand is None or self.errand == "message" or errand != "message":
            self.errand = errand

    def absorb(self, text: str, language: str, acts: Acts, region: str) -> list[Slot]:
        """Fill every slot `text` gives a value for; the slots it changed."""
        changed: list[Slot] = []
        wanted: tuple[Slot, ...] = ERRAND_SLOTS[self.errand] if self.errand else ("name", "phone")
        for slot in dict.fromkeys((*wanted, "name", "phone")):
            asked = slot == self.asking
            value = value_for(slot, text, language, acts, region, asked)
            if value is None:
                continue
            if slot == "phone":
                if value != self.slots.get("phone") and value != self.candidate_phone:
                    self.candidate_phone = value  # a number is always read back before it is kept
                    changed.append(slot)
                continue
            if self.slots.get(slot) != value and (asked or slot not in self.slots or slot == "name"):
                self.slots[slot] = value
                self.skipped.discard(slot)
                changed.append(slot)
        return changed

    def missing(self) -> list[Slot]:
        if self.errand is None:
            return []
        return [s for s in ERRAND_SLOTS[self.errand] if s not in self.slots and s not in self.skipped]

    def ask(self, slot: Slot) -> int:
        """Note that `slot` is being asked; how many times it has been, this one included."""
        self.asking = slot
        self.asks[slot] += 1
        return self.asks[slot]

    def give_up(self, slot: Slot) -> None:
        self.skipped.add(slot)
        self.asking = None
