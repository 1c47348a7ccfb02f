"""The audit log page: who listened to, downloaded or erased callers' data, for the organization's owners."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from synclead.web.audit.models import AuditEvent, is_owner
from synclead.web.organizations.models import Organization

from .views import _selected_organization

EVENTS_PER_PAGE = 50


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not is_owner(request.user):
        raise PermissionDenied("The audit log is for the organization's owners.")
    organizations = list(Organization.objects.for_user(request.user))
    selected = _selected_organization(request.GET.get("org", ""), organizations)
    events = AuditEvent.objects.visible_to(request.user).select_related("organization")
    if selected is not None:
        events = events.filter(organization=selected)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "organizations": organizations,
        "selected": selected,
        "show_organization": len(organizations) > 1 and selected is None,
    }
    return render(request, "dashboard/audit.html", context)
