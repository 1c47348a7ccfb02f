"""Whether an organization is open at a given moment, from its weekly opening hours in its own time zone."""

from __future__ import annotations

import logging
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import datetime, time

log = logging.getLogger(__name__)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

OpeningHours = Mapping[str, Sequence[Sequence[str]]]

_CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")
EXAMPLE = '{"mon": [["09:00", "12:30"], ["14:00", "19:00"]], "sat": [["10:00", "17:00"]]}'


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


def hours_problem(hours: object) -> str | None:
    """Why `hours` is not opening hours `is_open` reads as meant, or None when it is.

    At call time `is_open` skips what it cannot read and treats an unknown day as closed; checked here when the hours
    are set, a typo ("monday", "9h00") is refused instead of silently closing a day the agency meant to be open.
    """
    if not isinstance(hours, dict):
        return f"give an object of days and intervals, such as {EXAMPLE}"
    for day, intervals in hours.items():
        if day not in DAYS:
            return f"{day!r} is not a day ({', '.join(DAYS)})"
        if not isinstance(intervals, list):
            return f'{day}: give a list of ["HH:MM", "HH:MM"] intervals (an empty list: closed)'
        for interval in intervals:
            if not (
                isinstance(interval, list)
                and len(interval) == 2
                and all(isinstance(value, str) and _CLOCK.fullmatch(value) for value in interval)
            ):
                return f'{day}: {interval!r} is not an interval such as ["09:00", "19:00"] (24-hour clock)'
            start, end = _parse(interval[0]), _parse(interval[1])
            if start is None:
                return f"{day}: an interval cannot start at 24:00"
            if end is not None and end <= start:
                return f"{day}: {interval[0]}-{interval[1]} ends before it starts"
    return None


def _parse(value: str) -> time | None:
    """A "HH:MM" time; None for "24:00", the end of the day."""
    if value.strip() == "24:00":
        return None
    hour, minute = value.strip().split(":")
    return time(int(hour), int(minute))
