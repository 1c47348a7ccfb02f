"""An organization's settings page: its owners change what the agent says and does, and who hears of each lead;
its advisors read the same page without a single control.

A change is saved in the organization's row, which the gateway reads when each call starts: the next call follows it,
with no restart. Every change and every test message goes into the audit log.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from synclead.agent.hours import DAYS
from synclead.notifications.channels import SendError
from synclead.notifications.models import Channel
from synclead.notifications.trial import send_test
from synclead.web.audit.events import record_request
from synclead.web.audit.models import Action
from synclead.web.organizations import configure
from synclead.web.organizations.models import Organization, Role, role_of
from synclead.web.organizations.opening_hours import format_day

from .settings_forms import DAY_NAMES, LABELS, SECTIONS, editable_fields, form_class, hours_field, voice_fields

_TIMEZONES = sorted(zoneinfo.available_timezones())
_SECRET_FIELDS = frozenset(setting.field for setting in configure.SETTINGS if setting.secret)


def member_organization(request: HttpRequest, slug: str) -> tuple[Organization, bool]:
    """The organization, if the user belongs to it (another agency's slug is a 404, like an unknown one), and
    whether they may change it."""
    organization = get_object_or_404(Organization.objects.for_user(request.user), slug=slug)
    return organization, role_of(request.user, organization) == Role.OWNER


def settings_url(organization: Organization) -> str:
    return reverse("dashboard:organization_settings", args=[organization.slug])


@login_required
@require_GET
def settings_index(request: HttpRequest) -> HttpResponse:
    organizations = list(Organization.objects.for_user(request.user))
    if len(organizations) == 1:
        return redirect(settings_url(organizations[0]))
    return render(request, "dashboard/settings_index.html", {"organizations": organizations})


@login_required
@require_http_methods(["GET", "POST"])
def organization_settings(request: HttpRequest, slug: str) -> HttpResponse:
    organization, can_edit = member_organization(request, slug)
    form = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Only the organization's owners change its settings."))
        before = _values(organization)
        form = form_class()(request.POST, instance=organization)
        if form.is_valid():
            with transaction.atomic():
                saved = form.save()
                changed = [name for name, value in _values(saved).items() if before[name] != value]
                if changed:
                    record_request(request, Action.SETTINGS_CHANGED, saved, detail=_audit_detail(changed))
            if changed:
                messages.success(request, _("Saved. The next call follows the new settings."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(settings_url(saved))
        messages.error(request, _("Nothing was saved: correct the fields marked below."))
        # The form changed the instance in memory while checking it; the page shows what is saved.
        organization = Organization.objects.get(pk=organization.pk)
    elif can_edit:
        form = form_class()(instance=organization)
    context = {
        "organization": organization,
        "organizations": Organization.objects.for_user(request.user),
        "can_edit": can_edit,
        "form": form,
        "sections": _sections(organization, form),
        "hours": _hours(organization, form),
        "timezones": _TIMEZONES if can_edit else [],
        "test_channels": _test_channels(request, organization),
    }
    return render(request, "dashboard/settings.html", context)


def _values(organization: Organization) -> dict[str, Any]:
    return {name: getattr(organization, name) for name in [*editable_fields(), "business_hours"]}


def _audit_detail(changed: list[str]) -> str:
    text = _("changed %(fields)s") % {"fields": ", ".join(changed)}
    return text if len(text) <= 200 else text[:199] + "…"


def _sections(organization: Organization, form: Any) -> list[dict[str, Any]]:
    """Each section's fields: bound fields for an owner, (label, value) pairs to read for an advisor."""
    sections = []
    for title, names in SECTIONS:
        names = list(names) + (list(voice_fields()) if names[0] == "greeting" else [])
        if form is not None:
            rows = [{"field": form[name], "name": name} for name in names]
        else:
            rows = [{"label": LABELS.get(name, name), "value": _shown(organization, name)} for name in names]
        sections.append({"title": title, "rows": rows})
    return sections


def _shown(organization: Organization, name: str) -> str:
    value = getattr(organization, name)
    if name in _SECRET_FIELDS:
        return configure.masked(value)
    if isinstance(value, bool):
        return _("on") if value else _("off")
    display = getattr(organization, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    return str(value) if value not in ("", None) else "—"


def _hours(organization: Organization, form: Any) -> list[dict[str, Any]]:
    if form is not None:
        return [{"field": form[hours_field(day)]} for day in DAYS]
    saved = organization.business_hours or {}
    return [{"label": DAY_NAMES[day], "value": format_day(saved.get(day, [])) or _("closed")} for day in DAYS]


def _test_channels(request: HttpRequest, organization: Organization) -> list[dict[str, str]]:
    return [
        {"channel": Channel.EMAIL, "label": _("Email"), "to": request.user.email or _("(your account has no email)")},
        {"channel": Channel.WEBHOOK, "label": _("Webhook"), "to": organization.webhook_url or _("(not set)")},
        {"channel": Channel.SMS, "label": _("Text message"), "to": organization.notify_sms or _("(not set)")},
    ]


@login_required
@require_POST
def send_test_notification(request: HttpRequest, slug: str, channel: str) -> HttpResponse:
    organization, can_edit = member_organization(request, slug)
    if not can_edit:
        raise PermissionDenied(_("Only the organization's owners send test notifications."))
    if channel not in Channel.values:
        raise Http404(_("Unknown channel."))
    label = Channel(channel).label
    try:
        note = send_test(organization, channel, request.user.email)
    except SendError as error:
        messages.error(request, _("%(channel)s test not sent: %(error)s") % {"channel": label, "error": error})
        result = f"{channel}: not sent: {error}"
    else:
        messages.success(request, _("%(channel)s test sent: %(note)s.") % {"channel": label, "note": note})
        result = f"{channel}: {note}"
    record_request(request, Action.TEST_SENT, organization, detail=result[:200])
    return redirect(settings_url(organization) + "#notifications")
