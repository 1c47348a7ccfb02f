"""The words the dashboard shows for the keys stored on calls and leads, in the reader's language.

One mapping per vocabulary, used by the templates (the `intent`, `reason`, `detail_label` filters) and by anything
that exports rows (a CSV), so a key like `tenant_issue` is never shown raw. A key nobody listed yet (an
organization's own intent) reads as its words, capitalised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

INTENTS: Mapping[str, Promise] = {
    "rent": pgettext_lazy("intent", "Rent"),
    "buy": pgettext_lazy("intent", "Buy"),
    "sell": pgettext_lazy("intent", "Sell"),
    "valuation": pgettext_lazy("intent", "Valuation"),
    "property_management": pgettext_lazy("intent", "Property management"),
    "tenant_issue": pgettext_lazy("intent", "Tenant issue"),
    "viewing": pgettext_lazy("intent", "Viewing"),
    "visit": pgettext_lazy("intent", "Viewing"),
    "general_question": pgettext_lazy("intent", "General question"),
    "other": pgettext_lazy("intent", "Other"),
}

# Why the agent's side of a call ended (`Call.end_reason`, written by the engine and the gateway).
END_REASONS: Mapping[str, Promise] = {
    "caller_hangup": _("Caller hung up"),
    "caller_hung_up": _("Caller hung up"),
    "agent_hangup": _("Agent ended the call"),
    "transferred": _("Transferred to the agency"),
    "max_duration": _("Longest call reached"),
    "caller_silent": _("Caller stayed silent"),
    "stream_dropped": _("Connection lost"),
    "protocol_errors": _("Connection errors"),
    "error": _("Technical error"),
    "ended_by_staff": _("Ended by an advisor"),
    "gateway_lost": _("Server stopped during the call"),
    "voicemail": _("Voicemail"),
}

# The qualification answers a lead carries (`synclead.postcall.qualify` and the language model's schema).
DETAILS: Mapping[str, Promise] = {
    "kind": _("Looking to"),
    "area": _("Area"),
    "rooms": _("Rooms"),
    "bedrooms": _("Bedrooms"),
    "budget": _("Budget"),
    "surface_m2": _("Surface (m²)"),
    "property_type": _("Property type"),
    "move_in": _("Move-in"),
    "financing": _("Financing"),
    "viewing_wanted": _("Viewing wanted"),
}

# Values of those answers that are keys themselves.
DETAIL_VALUES: Mapping[str, Promise] = {
    "rent": pgettext_lazy("intent", "Rent"),
    "buy": pgettext_lazy("intent", "Buy"),
    "sell": pgettext_lazy("intent", "Sell"),
    "studio": _("Studio"),
    "apartment": _("Apartment"),
    "house": _("House"),
    "office": _("Office or shop"),
    "parking": _("Parking"),
    "land": _("Land"),
    "mortgage_approved": _("Mortgage approved"),
    "mortgage": _("Mortgage"),
    "cash": _("Cash"),
}


def humanize(key: Any) -> str:
    """`caller_hung_up` as `Caller hung up`; nothing as a dash."""
    words = str(key or "").replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else "—"


def label(vocabulary: Mapping[str, Promise], key: Any) -> str:
    """The translated label of `key`, or its words when the vocabulary does not know it."""
    known = vocabulary.get(str(key or ""))
    return str(known) if known is not None else humanize(key)


def intent_label(key: Any) -> str:
    return label(INTENTS, key)


def reason_label(key: Any) -> str:
    return label(END_REASONS, key)
