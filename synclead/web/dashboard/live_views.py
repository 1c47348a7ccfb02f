"""The calls in progress, live: a page listing them with their transcripts as they are spoken, and the event streams
behind it and behind a call's own page (`live_streams.py`).

The streams are async views: under the gateway's ASGI server a watched call holds a coroutine, not a worker
thread. Access is checked once, when the stream opens, through the same `for_user` scoping as every page.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.shortcuts import aget_object_or_404, render

from synclead.web.calls.models import Call
from synclead.web.organizations.models import Organization

from .live_streams import call_stream, organizations_stream
from .views import _selected_organization

STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@login_required
def live_calls(request: HttpRequest) -> HttpResponse:
    organizations = list(Organization.objects.for_user(request.user))
    selected = _selected_organization(request.GET.get("org", ""), organizations)
    context = {
        "organizations": organizations,
        "selected": selected,
        "show_organization": len(organizations) > 1 and selected is None,
    }
    return render(request, "dashboard/live.html", context)


async def live_events(request: HttpRequest) -> HttpResponse:
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponseForbidden()
    organizations = [organization async for organization in Organization.objects.for_user(user)]
    selected = _selected_organization(request.GET.get("org", ""), organizations)
    ids = [selected.pk] if selected else [organization.pk for organization in organizations]
    return _stream(organizations_stream(ids))


async def call_events(request: HttpRequest, call_sid: str) -> HttpResponse:
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponseForbidden()
    # Another organization's call is a 404, as on its page.
    call = await aget_object_or_404(Call.objects.for_user(user).only("id", "call_sid"), call_sid=call_sid)
    return _stream(call_stream(call.pk, call.call_sid))


def _stream(events) -> StreamingHttpResponse:
    return StreamingHttpResponse(events, content_type="text/event-stream", headers=STREAM_HEADERS)
