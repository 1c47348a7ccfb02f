"""Twilio's webhooks, answered by Django on a few long-lived threads of their own, and timed.

Through Django's ASGI handler every request gets a new thread — and with it a new database connection — and each
middleware hops to it and back: under a burst of calls ringing, that cost hundreds of milliseconds per webhook
while the caller hears ringing. The webhooks are short synchronous views, so they go through Django's WSGI handler
on a small pool of persistent threads instead (their connections live as long as the process), ahead of the ASGI
handler that keeps serving the dashboard.
"""

from __future__ import annotations

import time
from typing import Any

from a2wsgi import WSGIMiddleware
from django.core.wsgi import get_wsgi_application

from synclead.gateway import metrics

PREFIX = "/twilio/"
_KNOWN = frozenset({"voice", "status", "recording", "voicemail-done"})


class TwilioWebhooks:
    """ASGI: `/twilio/…` HTTP requests to Django's WSGI handler on `threads` threads, everything else to `app`."""

    def __init__(self, app: Any, threads: int) -> None:
        self.app = app
        self.webhooks = WSGIMiddleware(get_wsgi_application(), workers=threads)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        name = path[len(PREFIX) :].strip("/")
        label = name if name in _KNOWN else "other"

        async def timed_send(message: dict) -> None:
            # From arrival to the first byte of the answer: queueing for a thread counts, as Twilio sees it.
            if message["type"] == "http.response.start":
                metrics.WEBHOOK_LATENCY.labels(label).observe(time.perf_counter() - started)
            await send(message)

        await self.webhooks(scope, receive, timed_send)
