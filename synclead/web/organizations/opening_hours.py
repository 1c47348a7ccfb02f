"""A day's opening hours as people type them ("9:00-12:30, 14:00-19:00") and as `Organization.business_hours`
stores them ([["09:00", "12:30"], ["14:00", "19:00"]]).

Only the form is read here; whether the intervals make sense (an end after its start) is the model's validator's call
(`agent.hours.hours_problem`), so the page and `synclead org set` refuse the same things.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from django.utils.translation import gettext as _

# "9:00", "09:00", "9h00", "9h", "9": the forms an agency writes its hours in, on either side of a dash.
_TIME: Final = r"(\d{1,2})(?:[:h.](\d{2})?)?"
_INTERVAL: Final = re.compile(rf"\s*{_TIME}\s*[-\u2013\u2014]\s*{_TIME}\s*", re.IGNORECASE)
_SEPARATOR: Final = re.compile(r"[,;]|\band\b|\bet\b")
CLOSED_WORDS: Final = frozenset({"", "closed", "fermé", "ferme", "-"})


class HoursSyntaxError(ValueError):
    """The text is not a list of intervals; the message says which part and what form is expected."""


def parse_day(text: str) -> list[list[str]]:
    """The intervals of one day, each ["HH:MM", "HH:MM"]; [] when the text is empty or says closed."""
    if text.strip().lower() in CLOSED_WORDS:
        return []
    intervals = []
    for part in _SEPARATOR.split(text):
        if not part.strip():
            continue
        match = _INTERVAL.fullmatch(part)
        if match is None:
            raise HoursSyntaxError(
                _("“%(part)s” is not an interval such as 09:00-12:30 (several: 09:00-12:30, 14:00-19:00).")
                % {"part": part.strip()}
            )
        start_hour, start_minute, end_hour, end_minute = match.groups()
        intervals.append([_clock(start_hour, start_minute, part), _clock(end_hour, end_minute, part)])
    return intervals


def _clock(hour: str, minute: str | None, part: str) -> str:
    value = f"{int(hour):02d}:{minute or '00'}"
    if not (int(hour) < 24 and int(minute or 0) < 60) and value != "24:00":
        raise HoursSyntaxError(
            _("“%(part)s”: %(value)s is not a time of day.") % {"part": part.strip(), "value": value}
        )
    return value


def format_day(intervals: Sequence[Sequence[str]]) -> str:
    """What `parse_day` reads back as the same intervals."""
    return ", ".join(f"{start}-{end}" for start, end in intervals)
