"""Test calls: a member talks to their organization's agent from the dashboard, in the browser.

The page asks for a call (`place_test_call`), which makes the `Call` row with a one-time stream token, as the voice
webhook does for a phone call; the page's WebSocket then presents the token (`claim_test_call`), and the gateway
runs the call through the same engine, providers, recorder and report as a phone call. The row is marked `is_test`
so that the dashboard can tell it from the calls the business received.

A member has one test call at a time: a second one is refused while the first is connected and alive.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from synclead.config import get_settings
from synclead.telephony.twilio.stream_auth import claim_stream
from synclead.web.calls.models import Call
from synclead.web.organizations.models import Organization

SID_PREFIX = "WB"


class OneTestCallAtATime(Exception):
    """The member already has a test call in progress."""


def live_test_call(user) -> Call | None:
    """The member's connected test call, if its gateway still carries it (its heartbeat is recent)."""
    alive_since = timezone.now() - timedelta(seconds=get_settings().call_stale_s)
    return (
        Call.objects.filter(is_test=True, tested_by=user, end_reason="", stream_started_at__isnull=False)
        .filter(alive_at__gte=alive_since)
        .first()
    )


def place_test_call(user, organization: Organization) -> tuple[Call, str]:
    """A new test call for `user` (a member of `organization`, checked by the caller) and its one-time token."""
    with transaction.atomic():
        # Two clicks at once: the second waits on the member's row, then sees the first call.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        # Asked for but never connected (the page was closed first): nothing was said, nothing to keep.
        Call.objects.filter(is_test=True, tested_by=user, stream_started_at__isnull=True, end_reason="").delete()
        if live_test_call(user) is not None:
            raise OneTestCallAtATime
        token = secrets.token_urlsafe(32)
        number = organization.numbers.values_list("number", flat=True).first() or ""
        call = Call.objects.create(
            call_sid=SID_PREFIX + secrets.token_hex(16),
            organization=organization,
            to_number=number,
            language=organization.language,
            is_test=True,
            tested_by=user,
            stream_token=token,
        )
    return call, token


def claim_test_call(call_sid: str, token: str, user_id: int) -> Call | None:
    """The test call, once, if `token` is its token and the member who placed it still belongs to its organization.

    Checked before the token is spent, so that a token presented from another member's session stays unusable to
    them and usable to its owner.
    """
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    mine = Call.objects.filter(
        call_sid=call_sid, is_test=True, tested_by=user, organization__in=Organization.objects.for_user(user)
    )
    if not mine.exists():
        return None
    return claim_stream(call_sid, token)
