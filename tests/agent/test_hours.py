"""Opening hours, in the organization's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime

from synclead.agent.hours import is_open

HOURS = {"mon": [["09:00", "12:30"], ["14:00", "19:00"]], "sat": [["10:00", "24:00"]], "sun": [["bad"]]}


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def test_intervals_in_the_local_time_zone():
    # Monday 3 March 2025: Paris is UTC+1.
    assert is_open(HOURS, "Europe/Paris", at(3, 3, 8))  # 09:00 local, the start is included
    assert not is_open(HOURS, "Europe/Paris", at(3, 3, 11, 45))  # 12:45 local, lunch
    assert not is_open(HOURS, "Europe/Paris", at(3, 3, 18))  # 19:00 local, the end is excluded
    # In summer Paris is UTC+2: 08:30 UTC is 10:30 local.
    assert is_open(HOURS, "Europe/Paris", at(7, 7, 8, 30))
    assert is_open(HOURS, "Europe/Paris", at(3, 8, 22, 59))  # Saturday 23:59 local, open until midnight


def test_missing_or_malformed_hours_and_zones_mean_closed():
    assert not is_open({}, "Europe/Paris", at(3, 3, 10))
    assert not is_open(HOURS, "Europe/Paris", at(3, 9, 10))  # Sunday's entry is malformed
    assert not is_open(HOURS, "Mars/Olympus", at(3, 3, 10))
