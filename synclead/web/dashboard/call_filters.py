"""The filters of the calls list, the analytics page and the CSV exports: one form, read from the query string.

A value that is not valid is reported on the page and left out of the query, never a server error.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from synclead.web.calls.models import Call, CallStatus, Utterance
from synclead.web.organizations.models import Language

# Fewer digits than this match too many numbers to be a search for one.
MIN_PHONE_DIGITS = 3
# A range longer than this is refused: nobody reads ten years of calls per day.
MAX_RANGE_DAYS = 3 * 366


class CallFilterForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, strip=True, label=_("Search"))
    since = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    intent = forms.CharField(max_length=64, required=False, label=_("Intent"))
    status = forms.ChoiceField(choices=[("", _("Any status")), *CallStatus.choices], required=False, label=_("Status"))
    language = forms.ChoiceField(
        choices=[("", _("Any language")), *Language.choices], required=False, label=_("Language")
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the range is before its start."))
        elif since and until and (until - since).days > MAX_RANGE_DAYS:
            self.add_error("until", _("Choose a range of at most three years."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Each valid filter's value; an invalid one reads as "no filter" (its error is on the form)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) or "" for name in self.fields}


def day_start(day: date) -> datetime:
    """Midnight of `day` where the dashboard is read (the deployment's time zone)."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def filter_calls(calls: QuerySet[Call], filters: dict[str, Any]) -> QuerySet[Call]:
    if filters.get("since"):
        calls = calls.filter(started_at__gte=day_start(filters["since"]))
    if filters.get("until"):
        calls = calls.filter(started_at__lt=day_start(filters["until"] + timedelta(days=1)))
    if filters.get("status"):
        calls = calls.filter(status=filters["status"])
    if filters.get("language"):
        calls = calls.filter(language=filters["language"])
    if filters.get("intent"):
        calls = calls.filter(lead__intent=filters["intent"])
    if filters.get("q"):
        calls = calls.filter(search(filters["q"]))
    return calls


def search(text: str) -> Q:
    """The caller's number however it is typed ("06 12 34 56 78" finds +33612345678), the lead's name, or words
    said by anyone in the call."""
    # One pass over the utterances, not one probe per call: the database builds the set of calls once.
    said = Utterance.objects.filter(text__icontains=text).values("call_id")
    found = Q(lead__name__icontains=text) | Q(pk__in=said)
    digits = re.sub(r"\D", "", text)
    if len(digits) >= MIN_PHONE_DIGITS:
        # Numbers are stored in E.164; a national number's leading 0 is the country code's place there.
        national = digits[1:] if digits.startswith("0") else digits
        found |= Q(from_number__contains=national) | Q(lead__phone__contains=national)
    return found
