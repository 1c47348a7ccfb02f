"""A gateway for each test, serving in the test's own event loop with the benchmark providers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from asgiref.sync import sync_to_async

from synclead.bench.providers import bench_providers
from synclead.config import get_settings
from synclead.simulator.servers import serving
from synclead.web.organizations.management.commands.org import add_organization
from tests.gateway.calls import ORG_NUMBER, Gateway, MediaStreams


@pytest.fixture
async def gateway(monkeypatch) -> AsyncIterator[Gateway]:
    from synclead.gateway.app import create_app

    settings = get_settings()
    # No post-call worker in this process (tests/postcall has its own): a report still being written when the gateway
    # stops outlives the worker's stop and would write into the next test's database.
    monkeypatch.setattr(settings, "worker", "external")
    await sync_to_async(add_organization)("demo", "Agence Lumière", [ORG_NUMBER])
    streams = MediaStreams(create_app(bench_providers(stt_delay_ms=10, tts_delay_ms=10), settings=settings))
    async with serving(streams) as url:
        served = Gateway(url, streams)
        yield served
    # What the calls queued on their way out is written before the test's database is emptied, not during the next test.
    await served.settled()
