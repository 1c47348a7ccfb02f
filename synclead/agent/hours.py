"""Whether an organization is open at a given moment, from its weekly opening hours in its own time zone."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import datetime, time

log = logging.getLogger(__name__)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

OpeningHours = Mapping[str, Sequence[Sequence[str]]]


def is_open(hours: OpeningHours, timezone: str, now: datetime) -> bool:
    """True when `now` falls inside one of the day's intervals, e.g. {"mon": [["09:00", "12:30"], ["14:00", "19:00"]]}.

    `now` must be aware; it is converted to the organization's time zone. An interval includes its start and
    excludes its end; "24:00" ends at midnight. Malformed entries are skipped (and logged), never treated as open.
    """
    try:
        local = now.astimezone(zoneinfo.ZoneInfo(timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r: treating the organization as closed", timezone)
        return False
    at = local.time().replace(tzinfo=None)
    for interval in hours.get(DAYS[local.weekday()], ()):
        try:
            start, end = _parse(interval[0]), _parse(interval[1])
        except (ValueError, IndexError, TypeError):
            log.warning("skipping malformed opening hours %r", interval)
            continue
        if start <= at and (end is None or at < end):
            return True
    return False


def _parse(value: str) -> time | None:
    """A "HH:MM" time; None for "24:00", the end of the day."""
    if value.strip() == "24:00":
        return None
    hour, minute = value.strip().split(":")
    return time(int(hour), int(minute))
