"""How a lead reads on screen: the nav badge of new leads, and where each extracted value was heard."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import formats
from django.utils.translation import gettext as _

from synclead.web.dashboard.labels import DETAIL_VALUES, DETAILS, label
from synclead.web.leads.models import FollowUp, Lead

register = template.Library()


@register.simple_tag
def new_lead_count(user: AbstractBaseUser | AnonymousUser) -> int:
    """New leads across the user's organizations: one COUNT query per page, whatever the number of agencies."""
    if not user.is_authenticated:
        return 0
    return Lead.objects.for_user(user).ungrouped().filter(follow_up=FollowUp.NEW).count()


@dataclass(frozen=True, slots=True)
class Evidence:
    confidence: str  # "92 %", or "" when the extractor gave none
    utterance: int | None


@dataclass(frozen=True, slots=True)
class Detail:
    key: str
    label: str
    value: str
    evidence: Evidence | None


def percent(confidence: Any) -> str:
    """0.92 as "92 %", the French way (a narrow no-break space keeps the sign on the number's line)."""
    try:
        share = float(confidence)
    except (TypeError, ValueError):
        return ""
    if not 0 <= share <= 1:
        return ""
    return f"{round(share * 100)}\u202f%"


def _evidence(lead: Lead, field: str) -> Evidence | None:
    # The JSON is written by the extractor (an LLM among them), so each part is checked before it becomes markup.
    entry = (lead.evidence or {}).get(field) if isinstance(lead.evidence, dict) else None
    if not isinstance(entry, dict):
        return None
    utterance = entry.get("utterance")
    utterance_id = utterance if isinstance(utterance, int) and not isinstance(utterance, bool) else None
    confidence = percent(entry.get("confidence"))
    if utterance_id is None and not confidence:
        return None
    return Evidence(confidence, utterance_id)


@register.simple_tag
def evidence(lead: Lead, field: str) -> Evidence | None:
    """Where `field` of the lead was heard, for `{% evidence lead "name" as heard %}`."""
    return _evidence(lead, field)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float):
        # "1 250" in French, "1,250" in English.
        return formats.number_format(value, force_grouping=True)
    if isinstance(value, str) and value in DETAIL_VALUES:
        return str(DETAIL_VALUES[value])
    if isinstance(value, list | tuple):
        return ", ".join(_shown(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_shown(item)}" for key, item in value.items())
    return str(value)


@register.simple_tag
def qualification_details(lead: Lead) -> list[Detail]:
    """The qualification answers the caller gave, in the extractor's order; empty answers are left out."""
    qualification = lead.qualification if isinstance(lead.qualification, dict) else {}
    details = []
    for key, value in qualification.items():
        if value in (None, "", [], {}):
            continue
        details.append(Detail(str(key), label(DETAILS, key), _shown(value), _evidence(lead, str(key))))
    return details
