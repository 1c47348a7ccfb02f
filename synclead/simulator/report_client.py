"""Getting the server's report of a call once it is over: over HTTP (`--url`), or from the database directly.

The call row is written by the server after the stream stops, so both ways poll until the server says the call
is final, with a deadline.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from synclead.telephony.twilio.signatures import SIGNATURE_HEADER, sign

POLL_S = 0.25


class ReportError(RuntimeError):
    """No report: refused, unknown call, or the server never finished writing it."""


def report_url(base_url: str, call_sid: str, org: str, now: float | None = None) -> str:
    query = urlencode({"org": org, "t": int(time.time() if now is None else now)})
    return f"{base_url.rstrip('/')}/api/calls/{quote(call_sid, safe='')}/report?{query}"


async def fetch_report(
    client: httpx.AsyncClient, base_url: str, call_sid: str, org: str, auth_token: str, timeout_s: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        # Signed afresh each time: the timestamp is part of the signed URL.
        url = report_url(base_url, call_sid, org)
        try:
            response = await client.get(url, headers={SIGNATURE_HEADER: sign(url, {}, auth_token)})
        except httpx.HTTPError as exc:
            raise ReportError(f"GET {url} reached no server: {exc or type(exc).__name__}") from None
        if response.status_code == 200:
            return response.json()
        if response.status_code != 202:
            raise ReportError(f"GET {url} answered {response.status_code}: {response.text[:200]}")
        if time.monotonic() >= deadline:
            raise ReportError(f"call {call_sid} was still not final after {timeout_s:.0f} s")
        await asyncio.sleep(POLL_S)


def _report_if_final(call_sid: str) -> dict[str, Any] | None:
    from django.db import close_old_connections

    from synclead.web.calls.models import Call
    from synclead.web.calls.report import build_report, is_reported

    close_old_connections()
    call = Call.objects.select_related("organization").filter(call_sid=call_sid).first()
    if call is None:
        raise ReportError(f"the server has no call {call_sid}")
    # Final once the post-call job has written the summary and the lead, not merely when the call ended.
    return build_report(call) if is_reported(call) else None


async def wait_for_report(call_sid: str, timeout_s: float) -> dict[str, Any]:
    """The report straight from the database, for a server running in this process."""
    deadline = time.monotonic() + timeout_s
    while True:
        # The ORM is synchronous: keep it off the event loop the in-process server runs on.
        report = await asyncio.to_thread(_report_if_final, call_sid)
        if report is not None:
            return report
        if time.monotonic() >= deadline:
            raise ReportError(f"call {call_sid} was still not final after {timeout_s:.0f} s")
        await asyncio.sleep(POLL_S)
