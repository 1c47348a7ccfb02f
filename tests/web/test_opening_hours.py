"""Opening hours typed one day at a time: what the settings page reads, and that it reads back what it shows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from synclead.agent.hours import hours_problem
from synclead.web.organizations.opening_hours import HoursSyntaxError, format_day, parse_day

clock = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)) | st.just("24:00")
intervals = st.lists(st.tuples(clock, clock).map(list), max_size=4)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("", []),
        ("closed", []),
        ("Fermé", []),
        ("9:00-12:30, 14:00-19:00", [["09:00", "12:30"], ["14:00", "19:00"]]),
        ("9h-12h30 et 14h - 19h", [["09:00", "12:30"], ["14:00", "19:00"]]),
        ("10 \u2013 17", [["10:00", "17:00"]]),  # an en dash, as word processors write it
        ("08.30-12.00; 13:30-24:00", [["08:30", "12:00"], ["13:30", "24:00"]]),
    ],
)
def test_the_ways_people_write_hours(typed: str, read: list[list[str]]) -> None:
    assert parse_day(typed) == read


@pytest.mark.parametrize("typed", ["9 to 5", "09:00", "9:00-", "mornings", "25:00-26:00", "10:75-11:00", "9-12, x"])
def test_what_is_not_hours_is_refused_with_the_part_that_is_wrong(typed: str) -> None:
    with pytest.raises(HoursSyntaxError):
        parse_day(typed)


@given(intervals)
def test_what_the_page_shows_it_reads_back_the_same(day: list[list[str]]) -> None:
    assert parse_day(format_day(day)) == day


@given(st.text(max_size=40) | st.from_regex(r"\A[0-9]{1,2}[:h.]?[0-9]{0,2} ?- ?[0-9]{1,2}[:h.]?[0-9]{0,2}\Z"))
def test_any_text_is_read_or_refused_never_crashes(text: str) -> None:
    try:
        read = parse_day(text)
    except HoursSyntaxError:
        return
    # What is read is in the shape the model stores; whether each interval is in order is the validator's call.
    problem = hours_problem({"mon": read}) or ""
    assert problem == "" or "ends before it starts" in problem or "cannot start at 24:00" in problem
