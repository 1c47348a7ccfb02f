"""Several gateway processes behind a load balancer, as a deployment runs them: no call is lost when one goes away.

Real processes throughout — two gateways, HAProxy, a post-call worker, Redis when the machine has it — and callers
that behave toward the balancer as Twilio does. One gateway is killed outright in the middle of calls; another is
stopped (SIGTERM) as a rolling deploy stops it; an advisor ends a call from a dashboard served by the other process.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from synclead.audio import mulaw
from synclead.bench.audio import render_caller_speech
from synclead.events import call_channel
from synclead.events.redis_bus import RedisBus
from synclead.simulator.caller import frames_of
from synclead.simulator.servers import serving
from synclead.simulator.twilio_rest import TwilioRestEmulator
from tests.databases import own_database
from tests.processes import wait_for
from tests.scale.cluster import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    STALE_S,
    Caller,
    Cluster,
    post_signed,
    redis_url,
)

pytestmark = pytest.mark.skipif(not shutil.which("haproxy"), reason="needs haproxy (apt-get install haproxy)")


@pytest.fixture(scope="module")
def speech() -> list[str]:
    """One caller sentence, as 20 ms μ-law frames the gateway's real voice-activity detector hears as speech."""
    audio = asyncio.run(render_caller_speech())
    return frames_of(mulaw.encode(audio))


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    rest = TwilioRestEmulator(ACCOUNT_SID, AUTH_TOKEN)
    with own_database() as database_url:
        async with serving(rest.app) as rest_url:
            cluster = Cluster(tmp_path, database_url, redis_url(), rest_url)
            cluster.rest = rest  # type: ignore[attr-defined]
            try:
                await asyncio.to_thread(cluster.start_gateway, "a")
                await asyncio.to_thread(cluster.start_gateway, "b")
                await asyncio.to_thread(cluster.start_worker)
                await asyncio.to_thread(cluster.start_balancer)
                yield cluster
            finally:
                cluster.stop()


async def place(cluster: Cluster, client: httpx.AsyncClient, speech: list[str], count: int, first: int) -> list[Caller]:
    callers = [Caller(first + i, speech) for i in range(count)]
    for caller in callers:
        # Twilio's REST API knows the call (an advisor's hang-up goes through it).
        cluster.rest.register(caller.call_sid, caller.dial.from_number, caller.dial.to_number)  # type: ignore[attr-defined]
        await caller.connect(client, cluster.balancer_url)
    return callers


async def test_a_gateway_killed_mid_call_loses_no_caller(cluster: Cluster, speech: list[str]) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        callers = await place(cluster, client, speech, 4, first=1)
        on_a = [c for c in callers if c.gateway == "a"]
        on_b = [c for c in callers if c.gateway == "b"]
        assert on_a and on_b, f"the balancer spread the calls: {[c.gateway for c in callers]}"
        # Each caller has said a sentence and heard a reply, so there is a conversation to lose.
        await wait_for(
            lambda: all(sum(r == "caller" for r, _ in cluster.calls()[c.call_sid]["utterances"]) for c in callers),
            20,
            "every caller's first sentence persisted",
        )

        cluster.gateways["a"].signal(signal.SIGKILL)
        killed_at = time.monotonic()
        await wait_for(lambda: all(c.closed_by_server for c in on_a), 10, "the killed gateway's streams to drop")
        for caller in on_a:  # Twilio's fallback: the voicemail after <Connect>, then the callbacks
            await caller.stream_lost(client, cluster.balancer_url)

        # The other gateway's calls go on as if nothing happened: audio still flows, then a normal hang-up.
        await asyncio.sleep(3)
        for caller in on_b:
            assert caller.closed_by_server is None
            assert caller.heard_since(killed_at + 0.5) > 0, "a call on the surviving gateway stopped hearing the agent"
            assert await caller.hang_up(client, cluster.balancer_url) == 204

    rows = await wait_for(
        lambda: (rows := cluster.calls()) and all(rows[c.call_sid]["report_ready"] for c in callers) and rows,
        STALE_S * 3 + 30,
        "every call closed and reported",
    )
    for caller in on_a:
        row = rows[caller.call_sid]
        assert row["end_reason"] == "gateway_lost", row
        # What the caller said before the process died is all there, and the lead can be called back.
        assert ("caller", "I would like to book a visit.") in [tuple(u) for u in row["utterances"]]
        assert row["lead_phone"] == caller.dial.from_number
    for caller in on_b:
        row = rows[caller.call_sid]
        assert row["end_reason"] == "caller_hangup" and row["status"] == "completed", row
        assert row["lead_phone"] == caller.dial.from_number

    # Its log is JSON, one object per line, and a call's lines name the call and its organization.
    lines = [json.loads(line) for line in cluster.gateways["b"].log.read_text().splitlines() if line.startswith("{")]
    started = [line for line in lines if "stream started" in line["message"]]
    assert started and all(line["call_sid"] and line["organization"] == "bench" for line in started)

    # The surviving gateway's counters describe what it carried.
    async with httpx.AsyncClient() as client:
        metrics = (await client.get(f"{cluster.gateways['b'].url}/metrics")).text
    assert _sample(metrics, "synclead_calls_started_total") >= len(on_b)
    assert _sample(metrics, "synclead_active_calls") == 0


async def test_a_stopped_gateway_finishes_its_calls_before_it_exits(cluster: Cluster, speech: list[str]) -> None:
    a = cluster.gateways["a"]
    async with httpx.AsyncClient(timeout=10) as client:
        callers = await place(cluster, client, speech, 2, first=11)
        [on_a] = [c for c in callers if c.gateway == "a"]
        a.signal(signal.SIGTERM)
        stopped_at = time.monotonic()

        # It stops taking calls: not ready, out of the balancer's pool, and a call that still reaches it goes to
        # voicemail rather than into a conversation it would cut.
        await wait_for(lambda: httpx.get(f"{a.url}/readyz").status_code == 503, 5, "readiness to go false")
        voice = await post_signed(
            client, a.url, "/twilio/voice", Caller(19, speech).dial.form("ringing"), public=cluster.balancer_url
        )
        assert voice.status_code == 200 and "<Record" in voice.text and "<Connect" not in voice.text
        await asyncio.sleep(1.0)  # the balancer's health check (300 ms) takes it out of the pool
        late = await place(cluster, client, speech, 2, first=21)
        assert {c.gateway for c in late} == {"b"}

        # The call in progress goes on to its natural end, and only then does the process exit.
        await asyncio.sleep(3)
        assert on_a.closed_by_server is None and a.popen.poll() is None
        assert on_a.heard_since(stopped_at + 2) > 0
        for caller in [*callers, *late]:
            assert await caller.hang_up(client, cluster.balancer_url) == 204
    await wait_for(lambda: a.popen.poll() is not None, 15, "the drained gateway to exit")
    rows = await wait_for(
        lambda: (rows := cluster.calls()) and rows[on_a.call_sid]["report_ready"] and rows,
        30,
        "the drained call's report",
    )
    assert rows[on_a.call_sid]["end_reason"] == "caller_hangup"
    assert "drained: no call in progress" in a.log.read_text()


async def test_an_advisor_ends_a_call_carried_by_another_process(cluster: Cluster, speech: list[str]) -> None:
    if not cluster.env["SYNCLEAD_REDIS_URL"]:
        pytest.skip("needs Redis on 127.0.0.1:6379 for events between processes")
    cluster.query(
        "from django.contrib.auth import get_user_model\n"
        "get_user_model().objects.create_superuser('advisor', 'advisor@example.test', 'a-long-passphrase')\n"
        "result = True"
    )
    async with httpx.AsyncClient(timeout=10) as client:
        bus = RedisBus(cluster.env["SYNCLEAD_REDIS_URL"])
        live: list[dict] = []

        async def watch(call_sid: str) -> None:
            async with bus.subscribe(call_channel(call_sid)) as events:
                async for event in events:
                    live.append(event)

        callers = await place(cluster, client, speech, 2, first=31)
        [on_a] = [c for c in callers if c.gateway == "a"]
        watcher = asyncio.create_task(watch(on_a.call_sid))
        await wait_for(lambda: cluster.calls()[on_a.call_sid]["status"] == "in-progress", 10, "the call in progress")
        # Its transcript reaches a watcher in another process as it is spoken.
        await wait_for(lambda: any(e["type"] == "utterance" and e["role"] == "caller" for e in live), 15, "live words")

        # The advisor's browser talks to gateway b; the call lives in gateway a.
        b = cluster.gateways["b"].url
        async with httpx.AsyncClient(base_url=b, timeout=10, follow_redirects=True) as browser:
            await browser.get("/login/")
            token = browser.cookies["csrftoken"]
            login = {"username": "advisor", "password": "a-long-passphrase", "csrfmiddlewaretoken": token}
            assert (await browser.post("/login/", data=login)).status_code == 200
            page = await browser.post(
                f"/calls/{on_a.call_sid}/control/",
                data={"action": "hangup", "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            )
            assert page.status_code == 200 and "Ending the call." in page.text

        await wait_for(lambda: on_a.closed_by_server is not None, 10, "the call to be ended")
        assert cluster.rest.calls[on_a.call_sid].end_reason == "completed"  # type: ignore[attr-defined]
        for caller in callers:
            await caller.hang_up(client, cluster.balancer_url)
        await wait_for(lambda: {"type": "ended", "reason": "ended_by_staff"} in live, 10, "the live end")
        watcher.cancel()
    rows = await wait_for(
        lambda: (rows := cluster.calls()) and rows[on_a.call_sid]["end_reason"] and rows, 15, "the call's end"
    )
    assert rows[on_a.call_sid]["end_reason"] == "ended_by_staff"


def _sample(exposition: str, name: str) -> float:
    for line in exposition.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")
