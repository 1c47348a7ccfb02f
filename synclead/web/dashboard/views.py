"""The staff dashboard: the calls an organization received, and what each caller wanted.

Every query starts from `for_user`, so a member only ever sees their own organizations' calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from synclead.config import get_settings
from synclead.web.audit.events import record_request
from synclead.web.audit.models import Action
from synclead.web.calls.models import Call
from synclead.web.organizations.models import Organization

from .call_filters import CallFilterForm, filter_calls
from .live_state import is_live
from .onboarding import unfinished

CALLS_PER_PAGE = 50


@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    # The numbers come along so the empty state can say which line to call.
    organizations = list(Organization.objects.for_user(request.user).prefetch_related("numbers"))
    selected = _selected_organization(request.GET.get("org", ""), organizations)
    calls = Call.objects.for_user(request.user).select_related("organization", "lead")
    if selected is not None:
        calls = calls.filter(organization=selected)
    filter_form = CallFilterForm(request.GET)
    filters = filter_form.filters()
    calls = filter_calls(calls, filters)
    # The id breaks ties between calls started in the same instant, so no call is skipped between pages.
    calls = calls.order_by("-started_at", "-id")
    page = Paginator(calls, CALLS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "organizations": organizations,
        "selected": selected,
        "show_organization": len(organizations) > 1 and selected is None,
        "waiting_on": [selected] if selected else organizations,
        "onboarding": unfinished([selected] if selected else organizations),
        "filter_form": filter_form,
        "filtered": any(filters.values()),
        "clear_url": reverse("dashboard:call_list") + (f"?org={selected.slug}" if selected else ""),
        "intents": _intents([selected] if selected else organizations),
    }
    return render(request, "dashboard/call_list.html", context)


def _intents(organizations: Sequence[Organization]) -> list[str]:
    """The intents offered in a filter: each organization's own vocabulary, or the real-estate default."""
    from .lead_views import _intents as lead_intents

    return lead_intents(list(organizations))


def _selected_organization(slug: str, organizations: Sequence[Organization]) -> Organization | None:
    if not slug:
        return None
    for organization in organizations:
        if organization.slug == slug:
            return organization
    # The same answer for a slug that does not exist and another tenant's, so the filter reveals nothing.
    raise Http404("No such organization.")


@login_required
def call_detail(request: HttpRequest, call_sid: str) -> HttpResponse:
    calls = Call.objects.for_user(request.user).select_related("organization", "lead").prefetch_related("utterances")
    # Another organization's call is a 404, not a 403: its existence is not ours to confirm.
    call = get_object_or_404(calls, call_sid=call_sid)
    context = {
        "call": call,
        "lead": getattr(call, "lead", None),
        "utterances": call.utterances.all(),
        "live": is_live(call),
    }
    return render(request, "dashboard/call_detail.html", context)


@login_required
def call_recording(request: HttpRequest, call_sid: str) -> FileResponse:
    """The call's recording, served only to its organization's staff (Twilio's own URL needs the account's keys).

    Played in the page, or saved as a file with `?download=1`; either way the audit log says who, when, from where.
    """
    call = get_object_or_404(Call.objects.for_user(request.user).select_related("organization"), call_sid=call_sid)
    root = get_settings().recordings_dir.resolve()
    path = Path(call.recording_file).resolve() if call.recording_file else None
    # The path comes from our own row, but a file outside the recordings folder is never served.
    if path is None or not path.is_relative_to(root) or not path.is_file():
        raise Http404("no recording for this call")
    download = request.GET.get("download") == "1"
    if download or _starts_playback(request):
        action = Action.DOWNLOADED if download else Action.LISTENED
        record_request(request, action, call.organization, target=call_sid)
    return FileResponse(path.open("rb"), content_type="audio/wav", as_attachment=download, filename=f"{call_sid}.wav")


def _starts_playback(request: HttpRequest) -> bool:
    # A player asks again for later parts of the file when the listener seeks: one listening, one event.
    requested = request.headers.get("Range", "")
    return not requested or requested.replace(" ", "").startswith("bytes=0-")
