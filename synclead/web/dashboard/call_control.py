"""An advisor ends a call in progress, or takes it over (transfer to the agency's staff line), from its page.

The view only publishes a command on the event bus: whichever gateway process carries the call acts on it (through
Redis when there are several). The page reloads on the call as it then stands.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from synclead.events import COMMANDS, get_bus
from synclead.web.calls.models import Call, CallStatus

ACTIONS = ("hangup", "transfer")


@login_required
@require_POST
def call_control(request: HttpRequest, call_sid: str) -> HttpResponse:
    call = get_object_or_404(Call.objects.for_user(request.user).select_related("organization"), call_sid=call_sid)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponseBadRequest(f"action must be one of {', '.join(ACTIONS)}")
    if call.status != CallStatus.IN_PROGRESS or call.end_reason:
        messages.error(request, _("This call is no longer in progress."))
        return redirect("dashboard:call_detail", call_sid=call_sid)
    command = {"action": action, "call_sid": call.call_sid, "by": request.user.get_username()}
    if action == "transfer":
        # Only the organization's own staff line: a number typed into a form is not where a caller may be sent.
        if not call.organization.staff_number:
            messages.error(request, _("Set the organization's staff number to take calls over."))
            return redirect("dashboard:call_detail", call_sid=call_sid)
        command["number"] = call.organization.staff_number
    get_bus().publish(COMMANDS, command)
    if action == "hangup":
        done = _("Ending the call.")
    else:
        done = _("Transferring the call to %(number)s.") % {"number": call.organization.staff_number}
    messages.success(request, done)
    return redirect("dashboard:call_detail", call_sid=call_sid)
