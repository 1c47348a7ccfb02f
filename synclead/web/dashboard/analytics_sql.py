"""The analytics queries that the ORM would answer row by row in Python: calls per day, reply latency percentiles
per day, the providers that failed, the time to call back. The database does the work — SQLite's JSON1 and window
functions, or PostgreSQL's jsonb — and hands back one row per day, so a year of calls costs a few hundred rows.

A day is the reader's: PostgreSQL converts with the zone's name; SQLite, which has no time zones, is given the
zone's offsets over the range (daylight saving included) as a CASE on the stored UTC time.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.db import connection
from django.db.models import QuerySet

from synclead.web.calls.models import Call

# The day is worked out once per call, then each of its turns is read out of its metrics.
_TURNS = {
    "sqlite": (
        "SELECT d.day AS day, CAST(json_extract(t.value, '$.latency_ms') AS REAL) AS ms FROM d, "
        "json_each(d.metrics, '$.turns') t WHERE json_type(t.value) = 'object'"
    ),
    "postgresql": (
        "SELECT d.day AS day, (t.value->>'latency_ms')::float AS ms FROM d CROSS JOIN LATERAL "
        "jsonb_array_elements(CASE WHEN jsonb_typeof(d.metrics->'turns') = 'array' THEN d.metrics->'turns' "
        "ELSE '[]'::jsonb END) t WHERE jsonb_typeof(t.value) = 'object'"
    ),
}
# Nearest-rank percentiles per day: the ceil(q·n/100)-th smallest latency, picked out by row number.
_PERCENTILES = (
    "WITH d AS MATERIALIZED (SELECT {day} AS day, c.metrics AS metrics FROM calls_call c WHERE c.id IN ({ids})), "
    "t AS ({turns}), r AS (SELECT day, ms, ROW_NUMBER() OVER (PARTITION BY day ORDER BY ms) AS rn, "
    "COUNT(*) OVER (PARTITION BY day) AS n FROM t WHERE ms >= 0) "
    "SELECT day, n, MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN ms END), "
    "MAX(CASE WHEN rn = (n * 95 + 99) / 100 THEN ms END) FROM r GROUP BY day, n ORDER BY day"
)
_ERRORS = {
    "sqlite": (
        "SELECT c.id, json_extract(e.value, '$.provider') FROM calls_call c, "
        "json_each(c.metrics, '$.provider_errors') e WHERE c.id IN ({ids})"
    ),
    "postgresql": (
        "SELECT c.id, e.value->>'provider' FROM calls_call c CROSS JOIN LATERAL jsonb_array_elements("
        "CASE WHEN jsonb_typeof(c.metrics->'provider_errors') = 'array' THEN c.metrics->'provider_errors' "
        "ELSE '[]'::jsonb END) e WHERE c.id IN ({ids})"
    ),
}
_CALLBACK = {
    "sqlite": "(julianday(l.called_back_at) - julianday(l.created_at)) * 24",
    "postgresql": "EXTRACT(EPOCH FROM l.called_back_at - l.created_at) / 3600",
}


def _offset_minutes(tz: tzinfo, moment: datetime) -> int:
    offset = moment.astimezone(tz).utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def _sqlite_day(tz: tzinfo, since: date, until: date) -> tuple[str, list[str]]:
    """`date(started_at, '+N minutes')`, N the zone's offset at that moment: one CASE branch per offset change."""
    start = datetime.combine(since - timedelta(days=2), time(12), UTC)
    branches: list[tuple[str, int]] = []
    offset = _offset_minutes(tz, start)
    for n in range((until - since).days + 5):
        noon = start + timedelta(days=n)
        if _offset_minutes(tz, noon) == offset:
            continue
        # The change happened within the last day: find its hour (zones change on the hour or half hour).
        moment = noon - timedelta(days=1)
        while _offset_minutes(tz, moment) == offset:
            moment += timedelta(minutes=30)
        branches.append((moment.strftime("%Y-%m-%d %H:%M:%S"), offset))
        offset = _offset_minutes(tz, moment)
    if not branches:
        return "date(c.started_at, %s)", [f"{offset:+d} minutes"]
    sql = "CASE " + " ".join("WHEN c.started_at < %s THEN %s" for _ in branches) + " ELSE %s END"
    params = [value for changed, before in branches for value in (changed, f"{before:+d} minutes")]
    return f"date(c.started_at, {sql})", [*params, f"{offset:+d} minutes"]


def _day(tz: tzinfo, since: date, until: date) -> tuple[str, list[str]]:
    if connection.vendor == "postgresql":
        return "(c.started_at AT TIME ZONE %s)::date", [str(tz)]
    return _sqlite_day(tz, since, until)


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ids(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.order_by().values("id").query.sql_with_params()


def calls_per_day(calls: QuerySet[Call], tz: tzinfo, since: date, until: date) -> dict[date, int]:
    day, day_params = _day(tz, since, until)
    ids, params = _ids(calls)
    rows = _fetch(f"SELECT {day}, COUNT(*) FROM calls_call c WHERE c.id IN ({ids}) GROUP BY 1", [*day_params, *params])
    return {_as_date(value): n for value, n in rows}


def latency_per_day(calls: QuerySet[Call], tz: tzinfo, since: date, until: date) -> list[tuple[date, int, int, int]]:
    """(day, replies, p50 ms, p95 ms) for each day with a timed reply."""
    day, day_params = _day(tz, since, until)
    ids, params = _ids(calls)
    sql = _PERCENTILES.format(day=day, ids=ids, turns=_TURNS[connection.vendor])
    rows = _fetch(sql, [*day_params, *params])
    return [(_as_date(value), n, round(p50), round(p95)) for value, n, p50, p95 in rows if p50 is not None]


def provider_failures(calls: QuerySet[Call]) -> tuple[int, Counter[str]]:
    """How many calls had a provider fail, and the failures by provider."""
    ids, params = _ids(calls)
    rows = _fetch(_ERRORS[connection.vendor].format(ids=ids), list(params))
    return len({call_id for call_id, _ in rows}), Counter(str(provider or "unknown") for _, provider in rows)


def callback_hours(leads: QuerySet) -> list[float]:
    """Hours from each lead to its call-back."""
    ids, params = _ids(leads.filter(called_back_at__isnull=False))
    rows = _fetch(f"SELECT {_CALLBACK[connection.vendor]} FROM leads_lead l WHERE l.id IN ({ids})", list(params))
    return [hours for (hours,) in rows if hours is not None and hours >= 0]
