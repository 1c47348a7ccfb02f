"""A call in progress as the live pages draw it: who called, what has been said, what the caller has told so far.

Read from the database on connect and whenever a stream catches up, so that a page that connects mid-call, or a
stream that missed an event (pub/sub keeps none), shows the same thing as one that heard every event.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from synclead.engine.ports import UtteranceRecord
from synclead.web.calls.live_lead import LiveLead
from synclead.web.calls.models import Call, CallStatus, Role, Utterance
from synclead.web.dashboard.labels import intent_label
from synclead.web.dashboard.templatetags.dashboard_format import organization_timezone, phone
from synclead.web.leads.models import Lead, Urgency

ROLE_LABELS = dict(Role.choices)


def utterance_key(role: str, start_ms: int) -> str:
    """One utterance, the same whether it came as an event or from the database (which clamps to 0)."""
    return f"{role}:{max(int(start_ms), 0)}"


def utterance_event(role: str, text: str, start_ms: int, interrupted: bool) -> dict[str, Any]:
    start_ms = max(int(start_ms), 0)
    minutes, seconds = divmod(start_ms // 1000, 60)
    return {
        "key": utterance_key(role, start_ms),
        "role": role,
        "role_label": str(ROLE_LABELS.get(role, role)),
        "text": text,
        "start_ms": start_ms,
        "at": f"{minutes:02d}:{seconds:02d}",
        "interrupted": bool(interrupted),
    }


def lead_event(fields: dict[str, str]) -> dict[str, Any]:
    """The caller's details as the page shows them: labels in the reader's language, blanks said as such."""
    urgency = fields.get("urgency", "")
    return {
        "name": fields.get("name") or "",
        "phone": phone(fields["phone"]) if fields.get("phone") else "",
        "intent": str(intent_label(fields["intent"])) if fields.get("intent") else "",
        "urgency": str(Urgency(urgency).label) if urgency in Urgency.values else "",
    }


def is_live(call: Call) -> bool:
    return call.status in (CallStatus.RINGING, CallStatus.IN_PROGRESS) and not call.end_reason


def call_state(call: Call, utterances: Iterable[Utterance], lead: Lead | None) -> dict[str, Any]:
    said = list(utterances)
    if lead is not None:
        fields = {"name": lead.name, "phone": lead.phone, "intent": lead.intent, "urgency": lead.urgency}
    else:
        # Mid-call there is no lead row yet: understand what was said so far, as the gateway does.
        live = LiveLead(language=call.language, caller_number=call.from_number)
        for utterance in said:
            live.heard(UtteranceRecord(utterance.role, utterance.text, utterance.start_ms, utterance.end_ms))  # type: ignore[arg-type]
        fields = live.fields()
    started = timezone.localtime(call.started_at, organization_timezone(call.organization))
    return {
        "call_sid": call.call_sid,
        "url": reverse("dashboard:call_detail", args=[call.call_sid]),
        "control_url": reverse("dashboard:call_control", args=[call.call_sid]),
        "organization": call.organization.name,
        "from": phone(call.from_number),
        "started": started.strftime("%H:%M:%S"),
        "status": call.get_status_display(),
        "live": is_live(call),
        "can_transfer": bool(call.organization.staff_number),
        "transfer_label": _("Take over (transfer to %(number)s)") % {"number": call.organization.staff_number},
        "report_ready": call.report_ready_at is not None,
        "summary": call.summary,
        "utterances": [utterance_event(u.role, u.text, u.start_ms, u.interrupted) for u in said],
        "lead": lead_event(fields),
    }


def load_call(call_id: int) -> dict[str, Any] | None:
    call = Call.objects.select_related("organization").filter(pk=call_id).first()
    if call is None:  # erased while watched
        return None
    return call_state(call, call.utterances.all(), Lead.objects.filter(call=call).first())


def live_calls(organization_ids: list[int]) -> list[dict[str, Any]]:
    """The organizations' calls in progress, oldest first, each with what has been said so far."""
    calls = list(
        Call.objects.filter(organization_id__in=organization_ids, status=CallStatus.IN_PROGRESS, end_reason="")
        .select_related("organization")
        .order_by("started_at", "id")
    )
    said: dict[int, list[Utterance]] = {call.pk: [] for call in calls}
    for utterance in Utterance.objects.filter(call__in=calls).order_by("start_ms", "id"):
        said[utterance.call_id].append(utterance)
    return [call_state(call, said[call.pk], None) for call in calls]


def live_call(organization_ids: list[int], call_sid: str) -> dict[str, Any] | None:
    """One call that has just started, if it is one of these organizations' and still in progress."""
    call = (
        Call.objects.filter(organization_id__in=organization_ids, call_sid=call_sid)
        .select_related("organization")
        .first()
    )
    if call is None or call.status != CallStatus.IN_PROGRESS or call.end_reason:
        return None
    return call_state(call, call.utterances.all(), None)
