"""The figures of the analytics page, for the calls a user may see in a date range (and the calls list's filters).

Counts are aggregated by the database; only the per-turn reply latencies and the provider failures, which live in
each call's metrics, are read call by call (two small JSON values each, not the transcript).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from synclead.web.calls.models import Call, Role, Utterance
from synclead.web.dashboard import analytics_sql
from synclead.web.leads.models import FollowUp, Lead, Source

OUTCOMES = ("answered", "voicemail", "abandoned")


@dataclass
class Figures:
    since: date
    until: date
    total: int = 0
    per_day: list[tuple[date, int]] = field(default_factory=list)
    per_week: list[tuple[date, int]] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    intents: list[tuple[str, int]] = field(default_factory=list)
    languages: list[tuple[str, int]] = field(default_factory=list)
    lead_statuses: list[tuple[str, int]] = field(default_factory=list)
    leads: int = 0
    called_back: int = 0
    callback_median_h: float | None = None
    callback_p90_h: float | None = None
    # (day, turns, p50 ms, p95 ms), days without a turn left out
    latency: list[tuple[date, int, int, int]] = field(default_factory=list)
    calls_with_fallback: int = 0
    fallbacks: list[tuple[str, int]] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(math.ceil(q / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def caller_spoke() -> Exists:
    return Exists(Utterance.objects.filter(call=OuterRef("pk"), role=Role.CALLER))


def outcome_filters() -> dict[str, Q]:
    """Answered by the agent (the caller said something to it), a voicemail, or abandoned (neither)."""
    voicemail = Q(lead__source=Source.VOICEMAIL)
    answered = ~voicemail & Q(caller_spoke())
    return {"answered": answered, "voicemail": voicemail, "abandoned": ~voicemail & ~Q(caller_spoke())}


def compute(calls: QuerySet[Call], since: date, until: date) -> Figures:
    """`calls` already filtered to the range (and whatever else); `since`/`until` only shape the periods."""
    figures = Figures(since, until)
    tz = timezone.get_current_timezone()
    days = analytics_sql.calls_per_day(calls, tz, since, until)
    figures.total = sum(days.values())
    figures.per_day = [(day, days.get(day, 0)) for day in _days(since, until)]
    weeks: Counter[date] = Counter()
    for day, n in figures.per_day:
        weeks[day - timedelta(days=day.weekday())] += n
    figures.per_week = sorted(weeks.items())
    figures.outcomes = {
        name: n
        for name, n in calls.order_by()
        .aggregate(**{name: Count("id", filter=condition) for name, condition in outcome_filters().items()})
        .items()
    }
    figures.intents = _counts(calls, "lead__intent")
    figures.languages = _counts(calls, "language")
    _leads(figures, Lead.objects.filter(call__in=calls.values("pk")).ungrouped())
    figures.latency = analytics_sql.latency_per_day(calls, tz, since, until)
    figures.calls_with_fallback, fallbacks = analytics_sql.provider_failures(calls)
    figures.fallbacks = fallbacks.most_common()
    return figures


def _days(since: date, until: date) -> list[date]:
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def _counts(queryset: QuerySet, key: str) -> list[tuple[str, int]]:
    # No lead (NULL) and a lead without an intent ("") read the same.
    counts: Counter[str] = Counter()
    for value, n in queryset.values_list(key).annotate(n=Count("id")).order_by():
        counts[value or ""] += n
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _leads(figures: Figures, leads: QuerySet[Lead]) -> None:
    statuses = dict(leads.values_list("follow_up").annotate(n=Count("id")).order_by())
    figures.lead_statuses = [(status, statuses.get(status, 0)) for status in FollowUp.values]
    figures.leads = sum(statuses.values())
    waits = analytics_sql.callback_hours(leads)
    figures.called_back = len(waits)
    if waits:
        figures.callback_median_h = percentile(waits, 50)
        figures.callback_p90_h = percentile(waits, 90)


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last 30 days, today included."""
    today = today or timezone.localdate()
    return today - timedelta(days=29), today
