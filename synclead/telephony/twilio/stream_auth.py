"""The one-time token that lets exactly one media stream attach to a call.

The voice webhook stores a fresh token on the Call and hands it to Twilio inside the TwiML; the media
WebSocket sends it back in `start.customParameters`. Synchronous ORM code: call it through
`asgiref.sync.sync_to_async`.
"""

from __future__ import annotations

import hmac

from django.utils import timezone

from synclead.web.calls.models import Call


def claim_stream(call_sid: str, token: str) -> Call | None:
    """The call, once, if `token` is its stream token and no stream has started; None otherwise.

    On success the stream is marked started and the token erased, so the token cannot be used a second time.
    """
    # Real tokens are URL-safe ASCII; anything else cannot match, and compare_digest wants bytes we can
    # encode.
    if not call_sid or not token or not token.isascii():
        return None
    stored = Call.objects.filter(call_sid=call_sid).values_list("pk", "stream_token").first()
    if stored is None:
        return None
    pk, expected = stored
    if not expected or not hmac.compare_digest(expected.encode(), token.encode()):
        return None
    # The check and the claim are one UPDATE: of two sockets presenting the same token, only one matches the
    # row while stream_started_at is still NULL. Matching the token too means a token reissued meanwhile is
    # not consumed.
    claimed = Call.objects.filter(pk=pk, stream_started_at__isnull=True, stream_token=expected).update(
        stream_started_at=timezone.now(), stream_token=""
    )
    if claimed != 1:
        return None
    # The organization is loaded now because the caller runs in async code, where a lazy load would raise.
    return Call.objects.select_related("organization").get(pk=pk)
