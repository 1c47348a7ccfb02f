"""With Redis, what one process publishes about a call reaches a browser's event stream served by another process.

The gateway serving the dashboard runs in a process of its own (`synclead.bench.server`); the events are published
from this test's process, as the gateway carrying the call would publish them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from synclead.events import call_channel, organization_channel
from synclead.events.redis_bus import RedisBus
from tests.processes import Process, free_port, spawn, wait_ready
from tests.scale.cluster import redis_url

REDIS = redis_url()
pytestmark = pytest.mark.skipif(REDIS is None, reason="needs Redis on 127.0.0.1:6379")
PASSWORD = "a-long-passphrase"
STUCK_S = 30

SETUP = """
import json
import os
from django.contrib.auth import get_user_model
from synclead.web.calls.models import Call, Utterance
from synclead.web.organizations.models import Organization
org = Organization.objects.get(slug="bench")
user = get_user_model().objects.create_user("advisor", "a@example.test", {password!r})
org.members.add(user)
call = Call.objects.create(call_sid="CA" + "1" * 32, organization=org, from_number="+33612345678",
                           to_number="+33142685300", status="in-progress")
Utterance.objects.create(call=call, role="agent", text="Hello, you are through.", start_ms=0, end_ms=900)
Call.objects.create(call_sid="CA" + "2" * 32, organization=org, from_number="+33698765432",
                    to_number="+33142685300", status="in-progress")
print("RESULT=" + json.dumps({{"organization": org.pk}}))
"""
FIRST, SECOND = "CA" + "1" * 32, "CA" + "2" * 32


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Process, int]]:
    """One dashboard process for the module: the events the tests publish change nothing in its database."""
    tmp_path = tmp_path_factory.mktemp("dashboard")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "synclead.web.settings",
        "SYNCLEAD_DATA_DIR": str(tmp_path / "data"),
        "SYNCLEAD_REDIS_URL": REDIS or "",
        "SYNCLEAD_WORKER": "external",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("SYNCLEAD_PUBLIC_URL", "SYNCLEAD_DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "synclead.bench.server",
        "--port",
        str(port),
        "--data-dir",
        env["SYNCLEAD_DATA_DIR"],
    ]
    process = spawn("dashboard", command, env, tmp_path, port)
    try:
        wait_ready(process)
        program = SETUP.format(password=PASSWORD)
        done = subprocess.run(
            [sys.executable, "-m", "synclead.cli", "shell", "-c", program],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        result = next(line for line in done.stdout.splitlines() if line.startswith("RESULT="))
        yield process, json.loads(result.removeprefix("RESULT="))["organization"]
    finally:
        process.stop()


async def events(response: httpx.Response) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """The server-sent events of a streamed response, as (event, data)."""
    name, data = "", []
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").strip())
        elif not line and data:
            yield name, json.loads("\n".join(data))
            name, data = "", []


async def log_in(client: httpx.AsyncClient) -> None:
    await client.get("/login/")
    login = {"username": "advisor", "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"]}
    assert (await client.post("/login/", data=login)).status_code == 302


async def test_an_event_published_in_one_process_reaches_a_stream_served_by_another(dashboard) -> None:
    process, _ = dashboard
    bus = RedisBus(REDIS or "")
    async with httpx.AsyncClient(base_url=process.url, timeout=STUCK_S) as client:
        await log_in(client)
        async with client.stream("GET", f"/calls/{FIRST}/events/") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            stream = events(response)
            name, snapshot = await anext(stream)
            assert name == "snapshot"
            assert [u["text"] for u in snapshot["utterances"]] == ["Hello, you are through."]
            # The stream subscribes before it reads the snapshot: what is published now cannot be missed.
            said = {"type": "utterance", "role": "caller", "text": "I smell gas in the flat.", "start_ms": 1500,
                    "end_ms": 3000, "interrupted": False}  # fmt: skip
            bus.publish(call_channel(FIRST), said)
            bus.publish(call_channel(FIRST), {"type": "lead", "fields": {"urgency": "high", "intent": "tenant_issue"}})
            bus.publish(call_channel(FIRST), {"type": "ended", "reason": "caller_hung_up"})
            assert bus.flush()
            name, utterance = await anext(stream)
            assert (name, utterance["text"], utterance["role"]) == ("utterance", "I smell gas in the flat.", "caller")
            name, lead = await anext(stream)
            assert (name, lead["lead"]["urgency"]) == ("lead", "High")
            name, ended = await anext(stream)
            assert (name, ended["reason"]) == ("ended", "caller_hung_up")


async def test_the_live_page_hears_of_calls_and_what_is_said_in_them_from_another_process(dashboard) -> None:
    process, organization = dashboard
    bus = RedisBus(REDIS or "")
    async with httpx.AsyncClient(base_url=process.url, timeout=STUCK_S) as client:
        await log_in(client)
        async with client.stream("GET", "/live/events/") as response:
            stream = events(response)
            name, snapshot = await anext(stream)
            assert name == "snapshot"
            assert {call["call_sid"] for call in snapshot["calls"]} == {FIRST, SECOND}
            bus.publish(call_channel(SECOND), {"type": "utterance", "role": "caller", "text": "Hello?", "start_ms": 10})
            bus.publish(organization_channel(organization), {"type": "ended", "call_sid": FIRST, "reason": "done"})
            assert bus.flush()
            name, utterance = await anext(stream)
            assert (name, utterance["call_sid"], utterance["text"]) == ("utterance", SECOND, "Hello?")
            name, ended = await anext(stream)
            assert (name, ended["call_sid"]) == ("ended", FIRST)


async def test_a_stream_is_for_members_only(dashboard) -> None:
    process, _ = dashboard
    async with httpx.AsyncClient(base_url=process.url) as anonymous:
        assert (await anonymous.get(f"/calls/{FIRST}/events/")).status_code == 403
        assert (await anonymous.get("/live/events/")).status_code == 403
