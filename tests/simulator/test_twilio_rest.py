"""The local Twilio REST API: the server's real hang-up client (the twilio SDK) against the emulator."""

from __future__ import annotations

import asyncio

import httpx

from synclead.config import Settings
from synclead.simulator.servers import serving
from synclead.simulator.twilio_rest import TwilioRestEmulator
from synclead.telephony.twilio import rest

ACCOUNT = "AC" + "3" * 32
TOKEN = "rest-token"
CALL = "CA" + "4" * 32


def settings_for(url: str, token: str = TOKEN) -> Settings:
    return Settings(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=token, TWILIO_API_URL=url)


async def test_the_server_hang_up_reaches_the_emulator() -> None:
    emulator = TwilioRestEmulator(ACCOUNT, TOKEN)
    call = emulator.register(CALL, "+33612345678", "+33142685300")
    async with serving(emulator.app) as url:
        assert await asyncio.to_thread(rest.hang_up, CALL, settings_for(url))
        await asyncio.wait_for(call.hung_up.wait(), 1)
        assert (call.status, call.end_reason) == ("completed", "completed")
        async with httpx.AsyncClient(auth=(ACCOUNT, TOKEN)) as client:
            resource = (await client.get(f"{url}/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALL}.json")).json()
    assert resource["sid"] == CALL and resource["status"] == "completed"
    assert resource["uri"] == f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALL}.json"
    assert resource["from"] == "+33612345678" and resource["direction"] == "inbound"


async def test_wrong_credentials_and_unknown_calls_are_refused() -> None:
    emulator = TwilioRestEmulator(ACCOUNT, TOKEN)
    call = emulator.register(CALL, "+33612345678", "+33142685300")
    async with serving(emulator.app) as url:
        assert not await asyncio.to_thread(rest.hang_up, CALL, settings_for(url, token="wrong"))
        assert not await asyncio.to_thread(rest.hang_up, "CA" + "5" * 32, settings_for(url))
        path = f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALL}.json"
        async with httpx.AsyncClient(base_url=url) as client:
            unsigned = await client.post(path, data={"Status": "completed"})
            other_account = await client.post(
                path.replace(ACCOUNT, "AC" + "9" * 32), data={"Status": "completed"}, auth=(ACCOUNT, TOKEN)
            )
            bad_status = await client.post(path, data={"Status": "busy"}, auth=(ACCOUNT, TOKEN))
    assert unsigned.status_code == 401 and unsigned.json()["code"] == 20003
    assert other_account.status_code == 401
    assert bad_status.status_code == 400
    assert not call.hung_up.is_set()


async def test_new_twiml_takes_the_call_off_the_stream() -> None:
    emulator = TwilioRestEmulator(ACCOUNT, TOKEN)
    call = emulator.register(CALL, "+33612345678", "+33142685300")
    twiml = "<Response><Say>Goodbye</Say><Hangup/></Response>"
    async with serving(emulator.app) as url, httpx.AsyncClient(auth=(ACCOUNT, TOKEN)) as client:
        response = await client.post(f"{url}/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALL}.json", data={"Twiml": twiml})
    assert response.status_code == 200
    assert call.hung_up.is_set() and call.end_reason == "twiml" and call.twiml == twiml


async def test_transfer_redirects_the_call_to_a_dial() -> None:
    emulator = TwilioRestEmulator(ACCOUNT, TOKEN)
    call = emulator.register(CALL, "+33612345678", "+33142685300")
    async with serving(emulator.app) as url:
        assert await asyncio.to_thread(rest.transfer, CALL, "+33142685399", settings_for(url))
    assert call.end_reason == "twiml"
    assert "<Dial" in call.twiml and "+33142685399</Dial>" in call.twiml
