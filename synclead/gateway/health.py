"""What an orchestrator asks a gateway: is it alive, may it take calls, and what has it done (Prometheus).

Served by Starlette ahead of Django, so a probe costs microseconds and answers even when Django's request machinery
is busy with webhooks.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from django.db import connection
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from synclead import lifecycle
from synclead.gateway import metrics

if TYPE_CHECKING:
    from synclead.gateway.media import MediaStreamHandler

# A database that takes longer than this to answer `SELECT 1` is as good as down for a call's set-up.
DATABASE_TIMEOUT_S = 2.0


class Probes:
    def __init__(self, handler: MediaStreamHandler) -> None:
        self.handler = handler
        self.ready = False  # models loaded and the greeting cached

    async def healthz(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(self, request: Request) -> Response:
        checks = {
            "models_loaded": self.ready and self.handler.providers is not None,
            "database": await _database_answers(),
            "draining": lifecycle.draining(),
        }
        ok = checks["models_loaded"] and checks["database"] and not checks["draining"]
        body = {"ready": ok, **checks, "active_calls": len(self.handler.active)}
        return JSONResponse(body, status_code=200 if ok else 503)

    async def metrics(self, request: Request) -> Response:
        return Response(await asyncio.to_thread(metrics.exposition), media_type=metrics.CONTENT_TYPE)


async def _database_answers() -> bool:
    def ping() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)

    try:
        return await asyncio.wait_for(asyncio.to_thread(ping), DATABASE_TIMEOUT_S)
    except Exception:  # any failure to answer is "not ready"; the reason is in the database's own logs
        return False


class WebhookTimer:
    """ASGI middleware timing Twilio's webhooks from the request's arrival to the response's first byte.

    Measured here rather than in the view, so the time a request waits for Django's thread counts too.
    """

    PREFIX = "/twilio/"

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(self.PREFIX):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        name = path[len(self.PREFIX) :].strip("/") or "root"

        async def timed_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                metrics.WEBHOOK_LATENCY.labels(name if name in _WEBHOOKS else "other").observe(
                    time.perf_counter() - started
                )
            await send(message)

        await self.app(scope, receive, timed_send)


_WEBHOOKS = frozenset({"voice", "status", "recording", "voicemail-done"})
