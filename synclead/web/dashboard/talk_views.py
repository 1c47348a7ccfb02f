"""Talk to your agent: a test call from the dashboard, through the member's microphone and speakers.

The page (`talk`) holds the button; pressing it asks `talk_start` for a call and its one-time token (a same-origin
POST with the CSRF token), then opens the gateway's `/browser/call` WebSocket with it. The call itself is carried by
the gateway (`synclead.gateway.browser_call`); these views only hand out calls, to members of the organization.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from synclead.config import get_settings
from synclead.web.calls.browser_calls import OneTestCallAtATime, place_test_call
from synclead.web.organizations.models import Organization

SOCKET_PATH = "/browser/call"


@login_required
def talk(request: HttpRequest, slug: str) -> HttpResponse:
    # Another organization's page is a 404, as everywhere in the dashboard: its existence is not ours to confirm.
    organization = get_object_or_404(Organization.objects.for_user(request.user), slug=slug)
    context = {"organization": organization, "max_minutes": max(1, _max_s() // 60)}
    return render(request, "dashboard/talk.html", context)


@login_required
@require_POST
def talk_start(request: HttpRequest, slug: str) -> JsonResponse:
    organization = get_object_or_404(Organization.objects.for_user(request.user), slug=slug)
    try:
        call, token = place_test_call(request.user, organization)
    except OneTestCallAtATime:
        message = _("You already have a test call in progress. Hang up that one first.")
        return JsonResponse({"error": message}, status=409)
    return JsonResponse(
        {
            "callSid": call.call_sid,
            "token": token,
            "socket": SOCKET_PATH,
            "callUrl": reverse("dashboard:call_detail", args=[call.call_sid]),
        }
    )


def _max_s() -> int:
    settings = get_settings()
    return min(settings.test_call_max_s, settings.max_call_s)
