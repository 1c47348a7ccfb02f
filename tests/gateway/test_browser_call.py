"""The dashboard's test call at the WebSocket: who may open it, what it refuses, and a call on the phone's engine.

The gateway serves in the test's event loop with the benchmark providers (fixed transcript, a tone for a voice) and
the real voice-activity detector, so the caller's speech is real speech (the offline voice).
"""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from asgiref.sync import sync_to_async

from synclead.bench.audio import render_caller_speech
from synclead.bench.providers import HEARD
from synclead.config import get_settings
from synclead.web.calls.models import Call
from synclead.web.leads.models import Lead
from tests.gateway.browser_calls import RATE, SILENCE, Dashboard, Page, frames_of, member, start_message
from tests.gateway.calls import Gateway, closed_with

pytestmark = [pytest.mark.django_db(transaction=True)]

NORMAL, UNSUPPORTED_DATA, POLICY_VIOLATION = 1000, 1003, 1008


async def refused_status(dashboard: Dashboard, headers: dict[str, str]) -> int:
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(dashboard.socket_url, additional_headers=headers):
            pass
    return refused.value.response.status_code


async def test_an_upgrade_without_a_member_session_or_from_another_site_is_refused(gateway: Gateway) -> None:
    await member("alice")
    async with Dashboard.logged_in(gateway, "alice") as alice:
        placed = (await alice.place()).json()
        origin = {"Origin": gateway.url}
        assert await refused_status(alice, origin) == 403, "no session cookie"
        assert await refused_status(alice, origin | {"Cookie": "sessionid=forged"}) == 403, "no such session"
        assert await refused_status(alice, alice.headers(origin="https://evil.example")) == 403, "another site"
        assert await refused_status(alice, {"Cookie": alice.headers()["Cookie"]}) == 403, "no Origin at all"
        # Refused before anything was read: the call is still waiting for its page.
        row = await sync_to_async(Call.objects.get)(call_sid=placed["callSid"])
        assert row.stream_started_at is None and row.stream_token == placed["token"]

        await alice.client.post("/logout/", data={"csrfmiddlewaretoken": alice.client.cookies["csrftoken"]})
        assert await refused_status(alice, alice.headers()) == 403, "a session that logged out"

    async with Dashboard.logged_in(gateway, "alice") as alice:
        anonymous = await alice.client.post("/org/demo/talk/start/", headers={"X-CSRFToken": "x"})
        assert anonymous.status_code == 403, "a POST without its CSRF token is refused"


@pytest.mark.parametrize(
    ("first_frame", "code", "reason"),
    [
        (SILENCE.tobytes(), UNSUPPORTED_DATA, "not audio"),
        ("not json", UNSUPPORTED_DATA, "not JSON"),
        (json.dumps({"type": "hangup"}), UNSUPPORTED_DATA, "start message"),
        ("START:44100.5", UNSUPPORTED_DATA, "sampleRate"),
        ("START:96000", UNSUPPORTED_DATA, "sampleRate"),
        (json.dumps({"type": "start", "callSid": "WB0", "token": "x", "sampleRate": RATE}), POLICY_VIOLATION, "new"),
    ],
    ids=["audio-first", "not-json", "not-start", "fractional-rate", "unsupported-rate", "wrong-token"],
)
async def test_a_bad_first_frame_is_refused_with_a_clear_code(
    gateway: Gateway, first_frame: str | bytes, code: int, reason: str
) -> None:
    await member("alice")
    async with Dashboard.logged_in(gateway, "alice") as alice:
        placed = (await alice.place()).json()
        if isinstance(first_frame, str) and first_frame.startswith("START:"):
            message = json.loads(start_message(placed))
            message["sampleRate"] = float(first_frame[6:]) if "." in first_frame else int(first_frame[6:])
            first_frame = json.dumps(message)
        async with alice.connect() as ws:
            await ws.send(first_frame)
            assert await closed_with(ws) == code
            assert reason in ws.close_reason
    await gateway.settled()
    row = await sync_to_async(Call.objects.get)(call_sid=placed["callSid"])
    assert row.stream_started_at is None, "no call was started"


async def test_a_token_works_once_and_only_for_the_member_it_was_given_to(gateway: Gateway) -> None:
    await member("alice")
    await member("bob")
    async with Dashboard.logged_in(gateway, "alice") as alice, Dashboard.logged_in(gateway, "bob") as bob:
        placed = (await alice.place()).json()
        async with bob.connect() as ws:
            await ws.send(start_message(placed))
            assert await closed_with(ws) == POLICY_VIOLATION, "another member's token"
        async with alice.connect() as ws:
            await ws.send(start_message(placed))
            assert json.loads(await ws.recv())["type"] == "started", "still usable by its member"
            async with alice.connect() as again:
                await again.send(start_message(placed))
                assert await closed_with(again) == POLICY_VIOLATION, "used once already"
            await ws.send(json.dumps({"type": "hangup"}))
            assert await closed_with(ws) == NORMAL
    await gateway.settled()


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"\x00" * 1921, "odd number of bytes"),
        (b"\x00" * (RATE // 10 * 2 + 2), "over 100 ms"),
        (json.dumps({"type": "dance"}), "unknown message type"),
        (json.dumps({"type": "mark", "name": "s1.0\n"}), "not a value"),
        ("{" * 2000, "over 1024"),
        ("START", "second start"),
    ],
    ids=["odd-bytes", "oversized-audio", "unknown-type", "bad-mark", "oversized-text", "second-start"],
)
async def test_a_bad_frame_mid_call_ends_it_with_1003_and_what_was_said(
    gateway: Gateway, frame: str | bytes, reason: str
) -> None:
    await member("alice")
    async with Dashboard.logged_in(gateway, "alice") as alice:
        placed = (await alice.place()).json()
        async with alice.connect() as ws:
            await ws.send(start_message(placed))
            for _ in range(5):
                await ws.send(SILENCE.tobytes())
            await ws.send(start_message(placed) if frame == "START" else frame)
            assert await closed_with(ws) == UNSUPPORTED_DATA
            assert reason in ws.close_reason
    await gateway.settled()
    row = await sync_to_async(Call.objects.get)(call_sid=placed["callSid"])
    assert row.end_reason == "protocol_errors" and row.is_test


async def test_audio_faster_than_real_time_is_refused(gateway: Gateway) -> None:
    await member("alice")
    async with Dashboard.logged_in(gateway, "alice") as alice:
        placed = (await alice.place()).json()
        async with alice.connect() as ws:
            await ws.send(start_message(placed))
            # A minute of audio at once: no microphone produces that.
            for _ in range(3000):
                try:
                    await ws.send(SILENCE.tobytes())
                except websockets.ConnectionClosed:
                    break
            assert await closed_with(ws) == POLICY_VIOLATION
            assert "faster than real time" in ws.close_reason
    await gateway.settled()


async def test_a_test_call_talks_through_the_phone_engine_barge_in_included(gateway: Gateway) -> None:
    sentence = frames_of(await render_caller_speech())
    await member("alice")
    async with Dashboard.logged_in(gateway, "alice") as alice:
        unused = await alice.place()
        placed = (await alice.place()).json()
        async with alice.connect() as ws:
            page = Page(ws)
            listening = asyncio.create_task(page.listen())
            await ws.send(start_message(placed))
            talking = asyncio.create_task(page.talk())
            await page.until(lambda: page.of_type("started") and page.audio_bytes > 0, "the greeting is heard")

            # While the first call is connected, a second one is refused to the same member.
            second = await alice.place()
            assert second.status_code == 409 and "already have a test call" in second.json()["error"]

            await page.until(lambda: any(e["name"].endswith(".end") for e in page.of_type("mark")), "greeted")
            page.say(sentence)
            caller = lambda: [e for e in page.of_type("utterance") if e["role"] == "caller"]  # noqa: E731
            await page.until(caller, "the agent heard the sentence")
            assert caller() == [{"type": "utterance", "role": "caller", "text": HEARD, "interrupted": False}]
            # The agent answers with a 2 s voice at once; speaking over it clears what the page has not played.
            replying = page.audio_bytes
            page.say(sentence)
            await page.until(lambda: page.of_type("clear"), "the agent stops when interrupted")
            assert page.audio_bytes > replying, "the reply had begun"

            await ws.send(json.dumps({"type": "hangup"}))
            await asyncio.wait_for(listening, 30)
            talking.cancel()
            assert ws.close_code == NORMAL
            assert page.of_type("ended")[-1]["reason"] == "caller_hangup"
        assert (await alice.place()).status_code == 200, "hung up: a new test call may start"
    await gateway.settled()

    assert unused.status_code == 200
    assert not await sync_to_async(Call.objects.filter(call_sid=unused.json()["callSid"]).exists)(), (
        "a call asked for but never connected does not hold the member: it is forgotten"
    )
    call = await sync_to_async(Call.objects.select_related("tested_by").get)(call_sid=placed["callSid"])
    assert call.is_test and call.tested_by.username == "alice"
    assert call.end_reason == "caller_hangup" and call.status == "completed"
    said = await sync_to_async(list)(call.utterances.values_list("role", "text", "interrupted"))
    assert ("caller", HEARD, False) in said
    assert len(call.metrics["barge_ins"]) == 1, "the barge-in is in the call's metrics, as on the phone"
    assert call.recording_file.endswith(f"{call.call_sid}.wav")
    assert await sync_to_async(Lead.objects.filter(call=call).exists)()


async def test_a_test_call_ends_at_its_time_limit(gateway: Gateway, monkeypatch) -> None:
    # The setting's floor is 10 s in production; the limit itself is what is under test.
    monkeypatch.setattr(get_settings(), "test_call_max_s", 2)
    await member("alice")
    async with Dashboard.logged_in(gateway, "alice") as alice:
        placed = (await alice.place()).json()
        async with alice.connect() as ws:
            page = Page(ws)
            listening = asyncio.create_task(page.listen())
            await ws.send(start_message(placed))
            talking = asyncio.create_task(page.talk())
            await asyncio.wait_for(listening, 30)
            talking.cancel()
            assert ws.close_code == NORMAL
            assert page.of_type("started")[0]["maxSeconds"] == 2
    await gateway.settled()
    row = await sync_to_async(Call.objects.get)(call_sid=placed["callSid"])
    assert row.end_reason == "max_duration"
