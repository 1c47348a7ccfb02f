"""Where a dashboard request comes from, for the audit log and for login throttling."""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest

from synclead.config import get_settings


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; behind a trusted proxy, the one the proxy saw (the last X-Forwarded-For hop).

    Only the last hop: the proxy appends the address it was connected from, and anything before it was written by
    the client and proves nothing. Without SYNCLEAD_TRUST_PROXY the header is ignored altogether.
    """
    address = request.META.get("REMOTE_ADDR") or ""
    if get_settings().trust_proxy:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            address = forwarded.rsplit(",", 1)[-1]
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None
