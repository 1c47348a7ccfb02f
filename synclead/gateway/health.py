"""What an orchestrator asks a gateway: is it alive, may it take calls, and what has it done (Prometheus).

Served by Starlette ahead of Django, so a probe costs microseconds and answers even when Django's request machinery
is busy with webhooks.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

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
