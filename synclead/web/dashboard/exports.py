"""CSV exports of calls and of leads, with the same range and filters as the page they are taken from.

Streamed row by row (a year of calls never sits in memory), quoted by the `csv` module, and safe to open in a
spreadsheet: a value a spreadsheet would run as a formula is written as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from synclead.web.calls.models import Call
from synclead.web.leads.models import Lead

# What spreadsheets treat as the start of a formula (and the control characters that can smuggle one in).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 2000


def cell(value: Any) -> str:
    """One value as written in the file: text as it is, unless it would be read as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Line:
    """A file-like object that hands back what `csv.writer` writes, for streaming."""

    def write(self, text: str) -> str:
        return text


def rows_as_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Line())
    # The byte-order mark lets spreadsheet programs read the accents of "Agence Lumière" as UTF-8.
    yield "\ufeff" + writer.writerow([cell(name) for name in header])
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def call_rows(calls: QuerySet[Call]) -> tuple[list[str], Iterator[Sequence[Any]]]:
    header = [
        _("Call"), _("Organization"), _("Started"), _("From"), _("To"), _("Language"), _("Status"),
        _("End reason"), _("Duration (s)"), _("Name"), _("Callback number"), _("Intent"), _("Urgency"), _("Summary"),
    ]  # fmt: skip
    values = calls.order_by("-started_at", "-id").values_list(
        "call_sid", "organization__name", "started_at", "from_number", "to_number", "language", "status",
        "end_reason", "duration_s", "lead__name", "lead__phone", "lead__intent", "lead__urgency", "summary",
    )  # fmt: skip
    return header, values.iterator(BATCH)


def lead_rows(leads: QuerySet[Lead]) -> tuple[list[str], Iterator[Sequence[Any]]]:
    header = [
        _("Lead"), _("Organization"), _("Created"), _("Source"), _("Name"), _("Phone"), _("Email"), _("Intent"),
        _("Urgency"), _("Status"), _("Called back"), _("Assignee"), _("Call"), _("Details"),
    ]  # fmt: skip
    values = leads.order_by("-created_at", "-id").values_list(
        "pk", "organization__name", "created_at", "source", "name", "phone", "email", "intent", "urgency",
        "follow_up", "called_back_at", "assignee__username", "call__call_sid", "details",
    )  # fmt: skip
    return header, values.iterator(BATCH)
