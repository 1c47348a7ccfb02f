"""The lead inbox: every caller's request, until an advisor has called them back and closed it.

Every query starts from `for_user`, so another agency's lead is a 404 and its people are never offered as assignees.
"""

from __future__ import annotations

import re
from copy import copy
from typing import get_args

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from synclead.agent.offline.rules import Intent
from synclead.web.calls.models import Call
from synclead.web.leads.models import Lead
from synclead.web.organizations.models import Organization

from .forms import LeadFilterForm, LeadUpdateForm
from .templatetags.dashboard_format import organization_timezone
from .views import _selected_organization

LEADS_PER_PAGE = 50
# Fewer digits than this match too many numbers to be a search for one.
MIN_PHONE_DIGITS = 3
DEFAULT_INTENTS: tuple[str, ...] = get_args(Intent)


@login_required
def lead_inbox(request: HttpRequest) -> HttpResponse:
    organizations = list(Organization.objects.for_user(request.user))
    selected = _selected_organization(request.GET.get("org", ""), organizations)
    filters = LeadFilterForm(request.GET).filters()
    # `inbox`: a repeat caller's calls grouped onto their open lead are one row, not one row a call.
    leads = Lead.objects.for_user(request.user).inbox().select_related("organization", "assignee", "call", "contact")
    if selected is not None:
        leads = leads.filter(organization=selected)
    leads = _filtered(leads, filters, request)
    # The id breaks ties between leads written in the same instant, so none is skipped between pages.
    page = Paginator(leads.order_by("-created_at", "-id"), LEADS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "organizations": organizations,
        "selected": selected,
        "filters": filters,
        "filter_form": LeadFilterForm(request.GET),
        "intents": _intents([selected] if selected else organizations),
        "show_organization": len(organizations) > 1 and selected is None,
        "filtered": any(filters.values()),
    }
    return render(request, "dashboard/leads.html", context)


def _filtered(leads: QuerySet[Lead], filters: dict[str, str], request: HttpRequest) -> QuerySet[Lead]:
    if filters["status"]:
        leads = leads.filter(follow_up=filters["status"])
    if filters["intent"]:
        leads = leads.filter(intent=filters["intent"])
    if filters["urgency"]:
        leads = leads.filter(urgency=filters["urgency"])
    if filters["assignee"] == "mine":
        leads = leads.filter(assignee=request.user)
    elif filters["assignee"] == "nobody":
        leads = leads.filter(assignee__isnull=True)
    if filters["q"]:
        leads = leads.filter(_search(filters["q"]))
    return leads


def _search(text: str) -> Q:
    """Name, what the caller wanted, or the number however it is typed ("06 12 34 56 78" finds +33612345678)."""
    found = Q(name__icontains=text) | Q(details__icontains=text) | Q(call__summary__icontains=text)
    digits = re.sub(r"\D", "", text)
    if len(digits) >= MIN_PHONE_DIGITS:
        # Numbers are stored in E.164; a national number's leading 0 is the country code's place there.
        national = digits[1:] if digits.startswith("0") else digits
        found |= Q(phone__contains=national) | Q(call__from_number__contains=national)
    return found


def _intents(organizations: list[Organization]) -> list[str]:
    """The intents offered in the filter: each organization's own vocabulary, or the real-estate default."""
    seen: dict[str, None] = {}
    for organization in organizations:
        for intent in organization.intents or DEFAULT_INTENTS:
            seen.setdefault(str(intent))
    return list(seen)


@login_required
@require_http_methods(["GET", "POST"])
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    leads = Lead.objects.for_user(request.user).select_related("organization", "call", "contact", "assignee")
    # Another organization's lead is a 404, not a 403: its existence is not ours to confirm.
    lead = get_object_or_404(leads, pk=pk)
    # "Call back by 18:00" means the agency's 18:00, whoever reads or types it.
    with timezone.override(organization_timezone(lead.organization)):
        # A copy, because a rejected form still writes its values onto its instance, and the page shows the saved lead.
        form = LeadUpdateForm(request.POST or None, instance=copy(lead))
        if request.method == "POST" and form.is_valid():
            saved = form.save()
            status = saved.get_follow_up_display().lower()
            messages.success(request, _("Lead updated: %(status)s.") % {"status": status})
            return redirect("dashboard:lead_detail", pk=lead.pk)
        context = {"lead": lead, "form": form, "history": _caller_history(lead)}
        return render(request, "dashboard/lead_detail.html", context)


def _caller_history(lead: Lead) -> QuerySet[Call]:
    """The caller's other calls to this agency; a contact is per organization, and the filter says so again."""
    if lead.contact_id is None:
        return Call.objects.none()
    calls = Call.objects.filter(organization=lead.organization_id, lead__contact=lead.contact_id)
    return calls.exclude(pk=lead.call_id).select_related("lead").order_by("-started_at", "-id")
