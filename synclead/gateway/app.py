"""The ASGI application a gateway process serves: the media WebSocket, static files, and Django for the rest.

Twilio's webhooks and the dashboard are Django views; only the media stream, which must not pay for Django's
request machinery fifty times a second per call, is served by Starlette directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synclead.web.settings")

import django

django.setup()

from django.core.asgi import get_asgi_application  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.routing import Mount, Route, WebSocketRoute  # noqa: E402
from starlette.staticfiles import StaticFiles  # noqa: E402

from synclead.agent.offline.answering import AnsweringAgent  # noqa: E402
from synclead.agent.offline.answering_phrases import PHRASES  # noqa: E402
from synclead.agent.profile import AgencyProfile  # noqa: E402
from synclead.agent.sentences import split_sentences  # noqa: E402
from synclead.config import Settings, get_settings  # noqa: E402
from synclead.gateway import database, drain, sweep  # noqa: E402
from synclead.gateway.browser_call import BrowserCallHandler  # noqa: E402
from synclead.gateway.health import Probes  # noqa: E402
from synclead.gateway.media import MediaStreamHandler  # noqa: E402
from synclead.gateway.periodic import Scheduler  # noqa: E402
from synclead.gateway.providers import Providers, offline_providers  # noqa: E402
from synclead.gateway.recorder import DatabaseRecorder  # noqa: E402
from synclead.gateway.webhooks import TwilioWebhooks  # noqa: E402
from synclead.postcall.worker import start_inprocess_worker, stop_inprocess_worker  # noqa: E402
from synclead.web.organizations.models import Organization  # noqa: E402

log = logging.getLogger(__name__)


def fixed_phrases() -> list[tuple[str, ...]]:
    """Every sentence the agent can say before it knows anything about the caller, per organization: its greeting
    in its own voice (text, language, voice), and the phrases every organization shares (text, language)."""
    phrases: set[tuple[str, ...]] = set()
    for org in Organization.objects.all():
        greeting = AnsweringAgent(AgencyProfile(org.name, org.language, org.greeting)).greeting()
        phrases.update((s, org.language, org.voice) for s in split_sentences(greeting))
    for language, table in PHRASES.items():
        for text in table.values():
            if "$" not in text:
                phrases.update((s, language) for s in split_sentences(text))
    return sorted(phrases)


def create_app(providers: Providers | None = None, settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    handler = MediaStreamHandler(providers, settings, DatabaseRecorder())  # type: ignore[arg-type]
    probes = Probes(handler)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # First, so that a SIGTERM during the model load is a drain like any other.
        drain.install(handler.calls_in_progress, settings.drain_timeout_s)
        if handler.providers is None:
            log.info("loading the offline speech models")
            handler.providers = await asyncio.to_thread(offline_providers, settings)
        phrases = await database.run(fixed_phrases)
        await asyncio.to_thread(handler.providers.prewarm, phrases)
        # A full garbage collection over the models' millions of objects stalls the event loop for ~100 ms, which
        # every call hears as a gap. Start-up objects live as long as the process: take them out of the collector's
        # view, and collect the young generation less often (the media path allocates little that cycles).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
        # Calls left in progress by a process that died (this one, before a restart) get their end and report now.
        await database.run(sweep.close_orphaned_calls)
        beating = asyncio.create_task(_heartbeat(handler))
        commands = asyncio.create_task(handler.obey_commands())
        log.info("ready: %d phrases cached, media stream at %s", len(phrases), settings.websocket_url)
        probes.ready = True
        # Post-call reports run in this process unless SYNCLEAD_WORKER=external (then `synclead worker`).
        start_inprocess_worker()
        scheduler = Scheduler()
        scheduler.start()
        yield
        probes.ready = False
        beating.cancel()
        commands.cancel()
        scheduler.stop()
        stop_inprocess_worker()

    static = StaticFiles(packages=[("django.contrib.admin", "static"), ("synclead.web.dashboard", "static")])
    return Starlette(
        routes=[
            WebSocketRoute("/twilio/media", handler.handle),
            WebSocketRoute("/browser/call", BrowserCallHandler(handler).handle),
            Route("/healthz", probes.healthz),
            Route("/readyz", probes.readyz),
            Route("/metrics", probes.metrics),
            Mount("/static", app=static, name="static"),
            Mount("/", app=TwilioWebhooks(get_asgi_application(), threads=_webhook_threads())),
        ],
        lifespan=lifespan,
    )


def _webhook_threads() -> int:
    # SQLite takes one writer at a time: more threads would only wait on its lock. PostgreSQL writes in parallel.
    from django.db import connection

    return 1 if connection.vendor == "sqlite" else 4


async def _heartbeat(handler: MediaStreamHandler) -> None:
    """Tell the database, every few seconds, which calls this process still carries (see `sweep`)."""
    while True:
        await asyncio.sleep(sweep.heartbeat_s())
        calls = list(handler.active)
        if calls:
            database.submit(lambda calls=calls: sweep.heartbeat(calls))
