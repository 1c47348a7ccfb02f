"""`GET /api/calls/<call_sid>/report?org=SLUG&t=UNIX`: a finished call's report, for `synclead call --url`.

There is no user here, only a program holding the Twilio auth token, so the request is signed the way Twilio
signs webhooks: `X-Twilio-Signature` over the full public URL. The organization is part of the signed URL and
must own the call, and `t` (signed too) bounds how long a captured request can be replayed.
"""

from __future__ import annotations

import time
from typing import Final

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from synclead.config import get_settings
from synclead.telephony.twilio.signatures import SIGNATURE_HEADER, public_url_for, verify
from synclead.web.calls.models import Call
from synclead.web.calls.report import build_report, is_reported

MAX_CLOCK_SKEW_S: Final = 300


def _forbidden(reason: str) -> JsonResponse:
    return JsonResponse({"error": "forbidden", "reason": reason}, status=403)


@never_cache
@require_GET
def call_report(request: HttpRequest, call_sid: str) -> JsonResponse:
    settings = get_settings()
    try:
        url = public_url_for(request.get_full_path(), settings)
    except ValueError:
        return _forbidden("SYNCLEAD_PUBLIC_URL is not set, so no request can be verified")
    # `verify` fails closed without a token or a signature.
    if not verify(url, {}, request.headers.get(SIGNATURE_HEADER), settings.twilio_auth_token):
        return _forbidden(f"missing or wrong {SIGNATURE_HEADER}")
    stamp = request.GET.get("t", "")
    if not (stamp.isascii() and stamp.isdigit()) or abs(time.time() - int(stamp)) > MAX_CLOCK_SKEW_S:
        return _forbidden(f"'t' must be the current Unix time, within {MAX_CLOCK_SKEW_S} s")
    org = request.GET.get("org", "")
    call = (
        Call.objects.select_related("organization").filter(call_sid=call_sid, organization__slug=org).first()
        if org
        else None
    )
    if call is None:
        # The same answer for "no such call" and "another organization's call": nothing leaks either way.
        return JsonResponse({"error": "not found"}, status=404)
    if not is_reported(call):
        response = JsonResponse({"call_sid": call.call_sid, "status": call.status, "final": False}, status=202)
        response["Retry-After"] = "1"
        return response
    return JsonResponse(build_report(call), json_dumps_params={"ensure_ascii": False})
