"""The analytics page and the CSV exports: the calls a user may see in a date range, with the calls list's filters.

Without a range, the last 30 days. Every query starts from `for_user`, as everywhere in the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from synclead.web.audit.events import record_request
from synclead.web.audit.models import Action
from synclead.web.calls.models import Call
from synclead.web.leads.models import FollowUp, Lead
from synclead.web.organizations.models import Language, Organization

from . import analytics, charts, exports
from .call_filters import CallFilterForm, filter_calls
from .labels import intent_label
from .views import _intents, _selected_organization

OUTCOME_LABELS = {
    "answered": gettext_lazy("Answered by the agent"),
    "voicemail": gettext_lazy("Voicemail"),
    "abandoned": gettext_lazy("Abandoned"),
}


@dataclass
class Scope:
    organizations: list[Organization]
    selected: Organization | None
    form: CallFilterForm
    filters: dict[str, Any]
    since: date
    until: date
    calls: QuerySet[Call]


def _scope(request: HttpRequest) -> Scope:
    organizations = list(Organization.objects.for_user(request.user))
    selected = _selected_organization(request.GET.get("org", ""), organizations)
    form = CallFilterForm(request.GET)
    filters = form.filters()
    default_since, default_until = analytics.default_range()
    since = filters["since"] or (
        filters["until"] - (default_until - default_since) if filters["until"] else default_since
    )
    until = filters["until"] or max(default_until, since)
    filters = {**filters, "since": since, "until": until}
    calls = Call.objects.for_user(request.user).filter(is_test=False)
    if selected is not None:
        calls = calls.filter(organization=selected)
    return Scope(organizations, selected, form, filters, since, until, filter_calls(calls, filters))


@login_required
def analytics_page(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    figures = analytics.compute(scope.calls, scope.since, scope.until)
    outcomes = [charts.Bar(str(OUTCOME_LABELS[name]), figures.outcomes.get(name, 0)) for name in analytics.OUTCOMES]
    intents = [charts.Bar(intent_label(value) if value else _("No intent"), n) for value, n in figures.intents]
    languages = dict(Language.choices)
    by_language = [charts.Bar(str(languages.get(value, value)), n) for value, n in figures.languages]
    statuses = dict(FollowUp.choices)
    by_status = [charts.Bar(str(statuses[value]), n) for value, n in figures.lead_statuses]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "organizations": scope.organizations,
        "selected": scope.selected,
        "filter_form": scope.form,
        "filtered": any(v for k, v in scope.form.filters().items()),
        "clear_url": reverse("dashboard:analytics") + (f"?org={scope.selected.slug}" if scope.selected else ""),
        "intents": _intents([scope.selected] if scope.selected else scope.organizations),
        "since": scope.since,
        "until": scope.until,
        "figures": figures,
        "outcomes": outcomes,
        "intent_bars": intents,
        "language_bars": by_language,
        "status_bars": by_status,
        "query": query.urlencode(),
        "charts": {
            "per_day": charts.columns(
                "per-day", _("Calls per day"), [charts.Bar(day.strftime("%d/%m"), n) for day, n in figures.per_day]
            ),
            "per_week": charts.columns(
                "per-week", _("Calls per week"), [charts.Bar(day.strftime("%d/%m"), n) for day, n in figures.per_week]
            ),
            "outcomes": charts.horizontal_bars("outcomes", _("How calls were answered"), outcomes),
            "intents": charts.horizontal_bars("intents", _("Calls by intent"), intents),
            "languages": charts.horizontal_bars("languages", _("Calls by language"), by_language),
            "statuses": charts.horizontal_bars("statuses", _("Leads by status"), by_status),
            "latency": charts.horizontal_bars(
                "latency",
                _("Agent reply time, 95th percentile per day"),
                [charts.Bar(day.strftime("%d/%m"), p95, f"{p95} ms") for day, _n, _p50, p95 in figures.latency],
            ),
        },
    }
    return render(request, "dashboard/analytics.html", context)


@login_required
def export_calls(request: HttpRequest) -> StreamingHttpResponse:
    scope = _scope(request)
    _audit(request, scope, "calls")
    header, rows = exports.call_rows(scope.calls.select_related(None))
    return _csv(exports.rows_as_csv(header, rows), f"calls-{scope.since}-{scope.until}.csv")


@login_required
def export_leads(request: HttpRequest) -> StreamingHttpResponse:
    scope = _scope(request)
    _audit(request, scope, "leads")
    leads = Lead.objects.for_user(request.user).filter(call__in=scope.calls.values("pk")).ungrouped()
    header, rows = exports.lead_rows(leads)
    return _csv(exports.rows_as_csv(header, rows), f"leads-{scope.since}-{scope.until}.csv")


def _audit(request: HttpRequest, scope: Scope, what: str) -> None:
    # Callers' numbers and words leave the service: whoever did it is on the audit log of each organization.
    for organization in [scope.selected] if scope.selected else scope.organizations:
        record_request(request, Action.EXPORTED, organization, target=what, detail=request.GET.urlencode()[:500])


def _csv(lines, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
