"""Closing calls whose gateway process died: they get their end, their lead and their report all the same.

A process killed in the middle of a call (SIGKILL, out of memory, a lost machine) never writes the call's end;
Twilio's fallback takes the caller to voicemail, but the row would stay "in progress" forever with no lead. Every
gateway moves `Call.alive_at` forward for the calls it carries (`heartbeat`); a call whose heartbeat stopped is
closed here from what was persisted — the utterances written as they were said, and the caller's number — and its
report job is enqueued like any other. Run at start-up and periodically, by any process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from synclead.agent.offline.numbers import parse_phone
from synclead.config import get_settings
from synclead.engine.ports import CallOutcome
from synclead.gateway.recorder import finish_call
from synclead.web.calls.models import Call

log = logging.getLogger(__name__)

LOST = "gateway_lost"


def stale_after() -> timedelta:
    """Silence after which a call's process is taken as gone: several missed heartbeats, so that a process that is
    merely busy (a long pause, a slow disk) is not declared dead."""
    return timedelta(seconds=get_settings().call_stale_s)


def heartbeat_s() -> float:
    return get_settings().call_stale_s / 6


def heartbeat(call_sids: Iterable[str], now: datetime | None = None) -> int:
    """Mark these calls (carried by this process) alive."""
    sids = list(call_sids)
    if not sids:
        return 0
    return Call.objects.filter(call_sid__in=sids, end_reason="").update(alive_at=now or timezone.now())


def close_orphaned_calls(now: datetime | None = None) -> list[str]:
    """Close every call in progress whose process stopped beating; returns their SIDs."""
    now = now or timezone.now()
    cutoff = now - stale_after()
    orphans = Call.objects.filter(stream_started_at__isnull=False, end_reason="").filter(
        Q(alive_at__lt=cutoff) | Q(alive_at__isnull=True, stream_started_at__lt=cutoff)
    )
    closed = []
    for call in orphans.only("call_sid", "from_number", "language", "started_at", "alive_at", "stream_started_at"):
        last_sign = call.alive_at or call.stream_started_at or call.started_at
        duration_ms = max(0, round((last_sign - call.started_at).total_seconds() * 1000))
        phone = parse_phone(call.from_number, call.language or "en") or "" if call.from_number else ""
        outcome = CallOutcome(reason=LOST, lead={"phone": phone})
        finish_call(call.call_sid, outcome, duration_ms, {"gateway_lost_at": now.isoformat()})
        log.warning("call %s: its gateway stopped during the call; closed from what was persisted", call.call_sid)
        closed.append(call.call_sid)
    return closed
