"""An advisor ends a call in progress from its page, in the embedded default (one process, no Redis)."""

from __future__ import annotations

import asyncio
import base64
import contextlib

import httpx
import pytest
import websockets
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model

from synclead.audio import mulaw
from synclead.config import get_settings
from synclead.simulator.servers import serving
from synclead.simulator.twilio_rest import TwilioRestEmulator
from synclead.web.calls.models import Call
from tests.gateway.calls import Gateway, dial, signed

SILENCE = base64.b64encode(mulaw.silence()).decode()

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
async def twilio_rest(monkeypatch):
    settings = get_settings()
    emulator = TwilioRestEmulator(settings.twilio_account_sid, settings.twilio_auth_token)
    async with serving(emulator.app) as url:
        monkeypatch.setattr(settings, "twilio_api_url", url)
        yield emulator


async def test_an_advisor_ends_a_call_from_its_page(gateway: Gateway, twilio_rest: TwilioRestEmulator) -> None:
    await sync_to_async(get_user_model().objects.create_superuser)("advisor", "a@example.test", "a-long-passphrase")
    call, stream, public = await dial(gateway)
    twilio_rest.register(call.call_sid, call.from_number, call.to_number)
    async with websockets.connect(gateway.media_url, additional_headers=signed(public)) as ws:
        await ws.send(stream.start())

        async def talk() -> None:
            with contextlib.suppress(websockets.ConnectionClosed):
                while True:
                    for message in stream.tick(SILENCE):
                        await ws.send(message)
                    await asyncio.sleep(0.02)

        talking = asyncio.create_task(talk())
        for _ in range(100):
            row = await sync_to_async(Call.objects.get)(call_sid=call.call_sid)
            if row.status == "in-progress":
                break
            await asyncio.sleep(0.05)

        async with httpx.AsyncClient(base_url=gateway.url, follow_redirects=True) as browser:
            await browser.get("/login/")
            login = {"username": "advisor", "password": "a-long-passphrase"}
            await browser.post("/login/", data=login | {"csrfmiddlewaretoken": browser.cookies["csrftoken"]})
            page = await browser.get(f"/calls/{call.call_sid}/")
            assert "End the call" in page.text
            ended = await browser.post(
                f"/calls/{call.call_sid}/control/",
                data={"action": "hangup", "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
            )
            assert "Ending the call." in ended.text

        # The gateway hangs up through Twilio's API, then closes the stream.
        await asyncio.wait_for(twilio_rest.calls[call.call_sid].hung_up.wait(), 10)
        with contextlib.suppress(websockets.ConnectionClosed):
            async for _ in ws:
                pass
        talking.cancel()

    await gateway.settled()  # the call's end is written
    row = await sync_to_async(Call.objects.get)(call_sid=call.call_sid)
    assert row.end_reason == "ended_by_staff"


async def test_a_call_that_is_over_cannot_be_ended_again(gateway: Gateway) -> None:
    await sync_to_async(get_user_model().objects.create_superuser)("advisor", "a@example.test", "a-long-passphrase")
    call, _, _ = await dial(gateway)  # rang, never streamed: not in progress
    async with httpx.AsyncClient(base_url=gateway.url, follow_redirects=True) as browser:
        await browser.get("/login/")
        login = {"username": "advisor", "password": "a-long-passphrase"}
        await browser.post("/login/", data=login | {"csrfmiddlewaretoken": browser.cookies["csrftoken"]})
        page = await browser.post(
            f"/calls/{call.call_sid}/control/",
            data={"action": "hangup", "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        )
        assert "no longer in progress" in page.text
        refused = await browser.post(
            f"/calls/{call.call_sid}/control/",
            data={"action": "explode", "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        )
        assert refused.status_code == 400
