"""Repeat callers: one number calling again and again makes one lead in the inbox, and is flagged.

The rules, applied by the post-call job to each call in its report's transaction:

- Grouping. A call whose caller ID already has an *open* lead in the organization (still new: nobody has assigned,
  called back, closed or marked it) with a call from that number in the REPEAT_WINDOW before this one is attached
  to that lead instead of standing as a lead of its own. Nothing is lost: the call keeps its row, transcript,
  recording and its own `Lead` row (the record of what was said in it, which the call's page and report read); that
  row is marked `grouped_into` the open lead, and the inbox, the new-lead count and the notifications see only the
  open lead. What the new call adds (a name, an email, an intent, a higher urgency) fills the open lead's blanks.
  The window runs from the latest call on the lead, so a flood stays one lead however long it lasts; once an advisor
  has touched the lead, the next call opens a new one, since it may be a new request.
- Flag. REPEAT_CALLS calls or more from one number to one organization within REPEAT_WINDOW flag its contact as a
  repeat caller; the inbox shows it beside the lead. The flag stays once set.

Calls without a caller ID (hidden, "anonymous", a SIP address) are never grouped nor flagged: they could be anyone.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from django.db.models import Q

from synclead.web.calls.models import Call
from synclead.web.leads.models import Contact, FollowUp, Lead, Urgency

# Ten minutes: long enough to catch a caller redialling after every hang-up (or a script doing it), short enough that
# someone calling back the next hour with something new still gets a lead of their own once this one is handled.
REPEAT_WINDOW: Final = timedelta(minutes=10)
# Five calls in those ten minutes: two or three is a dropped line or an anxious caller; five is a flood.
REPEAT_CALLS: Final = 5

_URGENCY_RANK: Final[dict[str, int]] = {Urgency.LOW: 0, Urgency.NORMAL: 1, Urgency.HIGH: 2}
_FILLED: Final = ("name", "phone", "email")


def group_into_open_lead(call: Call, lead: Lead, caller_id: str) -> Lead | None:
    """Attach `call`'s lead to the caller's open lead, if the rules above say so; returns that lead, or None.

    Must run inside the report's transaction: the open lead is locked while the new call is folded into it.
    """
    if not caller_id or lead.follow_up != FollowUp.NEW or lead.grouped_into_id is not None:
        return None
    # Strictly earlier calls (the id breaks a tie), so two calls can never each be attached to the other.
    earlier = Q(call__started_at__lt=call.started_at) | Q(call__started_at=call.started_at, call_id__lt=call.pk)
    recent = (
        Lead.objects.filter(
            earlier,
            organization_id=call.organization_id,
            call__from_number=call.from_number,
            call__started_at__gte=call.started_at - REPEAT_WINDOW,
        )
        .exclude(pk=lead.pk)
        .values_list("pk", "grouped_into_id")
    )
    candidates = {grouped_into or pk for pk, grouped_into in recent} - {lead.pk}
    if not candidates:
        return None
    # The oldest open one: calls whose jobs run out of order still end up on the same lead.
    open_lead = (
        Lead.objects.select_for_update()
        .filter(pk__in=candidates, follow_up=FollowUp.NEW, grouped_into__isnull=True)
        .order_by("created_at", "pk")
        .first()
    )
    if open_lead is None:
        return None
    lead.grouped_into = open_lead
    # Calls already attached to this one (their jobs ran first) follow it, so a lead is never grouped twice over.
    Lead.objects.filter(grouped_into=lead).update(grouped_into=open_lead)
    _fill_blanks(open_lead, lead)
    return open_lead


def _fill_blanks(open_lead: Lead, lead: Lead) -> None:
    changed = [name for name in _FILLED if getattr(lead, name) and not getattr(open_lead, name)]
    for name in changed:
        setattr(open_lead, name, getattr(lead, name))
    # "other" is the extractor's answer when it found no reason; a later call that says why is worth more.
    if lead.intent and open_lead.intent in ("", "other") and lead.intent != open_lead.intent:
        open_lead.intent = lead.intent
        changed.append("intent")
    if _URGENCY_RANK.get(lead.urgency, 1) > _URGENCY_RANK.get(open_lead.urgency, 1):
        open_lead.urgency = lead.urgency
        changed.append("urgency")
    open_lead.save(update_fields=[*changed, "updated_at"])


def flag_repeat_caller(call: Call, contact: Contact | None, caller_id: str) -> bool:
    """Flag `contact` when its number made REPEAT_CALLS calls or more within REPEAT_WINDOW, ending with `call`.

    Counts the Call rows, not the leads: a caller who hangs up while the line is busy still called.
    """
    if contact is None or contact.repeat_caller or not caller_id:
        return False
    calls = Call.objects.filter(
        organization_id=call.organization_id,
        from_number=call.from_number,
        started_at__gt=call.started_at - REPEAT_WINDOW,
        started_at__lte=call.started_at,
    ).count()
    if calls < REPEAT_CALLS:
        return False
    contact.repeat_caller = True
    contact.save(update_fields=["repeat_caller"])
    return True
