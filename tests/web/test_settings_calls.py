"""Business hours set on the settings page decide the next call: within them an emergency is put through to the
transfer number, outside them the agent says it notes the emergency and takes the message instead.

A real gateway (`create_app`: the dashboard and the media stream) with the product's agents; only the recogniser
(it hears URGENT in any speech) and the voice are stand-ins, and Twilio's REST API is the emulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import websockets
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model

from synclead.agent.hours import DAYS
from synclead.agent.offline.phrases import say
from synclead.audio import mulaw
from synclead.bench.audio import render_caller_speech
from synclead.bench.providers import FixedSTT, FixedVoice
from synclead.config import get_settings
from synclead.gateway.providers import Providers, agents_for
from synclead.knowledge import ingest
from synclead.simulator.caller import Conversation, Pacing, converse, frames_of
from synclead.simulator.servers import serving
from synclead.simulator.twilio_rest import TwilioRestEmulator
from synclead.web.calls.models import Call
from synclead.web.organizations.management.commands.org import add_organization
from synclead.web.organizations.models import Organization
from tests.gateway.calls import ORG_NUMBER, Gateway, MediaStreams, dial, signed

pytestmark = [pytest.mark.django_db(transaction=True)]

URGENT = "There's water leaking through my ceiling, it's an emergency!"
STAFF = "+33142685399"
PASSWORD = "a long owner passphrase"
FEES = b"# Fees\n\nThe agency fee for a rental is twelve euros per square metre, shared by tenant and owner.\n"


@dataclass
class Line:
    gateway: Gateway
    rest: TwilioRestEmulator
    organization: Organization
    speech: list[str]


@pytest.fixture
async def line(monkeypatch) -> AsyncIterator[Line]:
    from synclead.audio.vad import VadStream
    from synclead.gateway.app import create_app

    settings = get_settings()
    monkeypatch.setattr(settings, "worker", "external")
    rest = TwilioRestEmulator(settings.twilio_account_sid, settings.twilio_auth_token)
    organization, _ = await sync_to_async(add_organization)("demo", "Agence Lumière", [ORG_NUMBER])
    await sync_to_async(ingest.ingest_file)(organization, "fees.md", FEES)
    owner = await sync_to_async(get_user_model().objects.create_user)("odile", "odile@example.com", PASSWORD)
    await organization.members.aadd(owner, through_defaults={"role": "owner"})
    speech = frames_of(mulaw.encode(await render_caller_speech("en", URGENT)))
    providers = Providers(
        stt=FixedSTT(0.01, URGENT), tts=FixedVoice(0.01), vad_factory=VadStream, agent_factory=agents_for(settings)
    )
    async with serving(rest.app) as rest_url:
        monkeypatch.setattr(settings, "twilio_api_url", rest_url)
        streams = MediaStreams(create_app(providers, settings=settings))
        async with serving(streams) as url:
            gateway = Gateway(url, streams)
            yield Line(gateway, rest, organization, speech)
            await gateway.settled()


async def set_hours_on_the_page(line: Line, hours_per_day: str) -> None:
    """Log in as the owner and save the settings page with these hours every day and a transfer number."""
    async with httpx.AsyncClient(base_url=line.gateway.url, follow_redirects=True) as browser:
        await browser.get("/login/")
        await browser.post(
            "/login/",
            data={"username": "odile", "password": PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        )
        organization = await Organization.objects.aget(pk=line.organization.pk)
        form = {
            "name": organization.name,
            "language": organization.language,
            "timezone": "Europe/Paris",
            "llm": "",
            "stt": "",
            "voice": organization.voice,
            "staff_number": STAFF,
            "max_concurrent_calls": "20",
            "retention_days": "365",
            "notify_email": "on",
            **{f"hours_{day}": hours_per_day for day in DAYS},
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        }
        saved = await browser.post(f"/org/{organization.slug}/settings/", data=form)
        assert "The next call follows the new settings." in saved.text, saved.text[-3000:]


async def report_emergency(line: Line) -> tuple[list[str], str]:
    """One call: the caller reports the emergency; what the agent said, and the TwiML Twilio was given (a transfer)."""
    dialled, stream, public = await dial(line.gateway)
    emulated = line.rest.register(dialled.call_sid, dialled.from_number, dialled.to_number)
    async with websockets.connect(line.gateway.media_url, additional_headers=signed(public)) as ws:
        # The caller never hangs up first: the call ends when the gateway transfers it or, once the agent has taken
        # what it could and the caller says no more, when the agent lets the caller go (both through Twilio's API).
        pacing = Pacing(speed=4, quiet_ms=600, reply_timeout_ms=60_000, hangup_wait_ms=200_000)
        await converse(ws, stream, Conversation([line.speech], pacing), emulated.hung_up)
    await line.gateway.settled()
    call = await Call.objects.aget(call_sid=dialled.call_sid)
    said = [u.text async for u in call.utterances.filter(role="agent").order_by("start_ms", "id")]
    assert len(said) > 1, [u.text async for u in call.utterances.order_by("start_ms", "id")]
    return said, emulated.twiml


async def test_business_hours_from_the_settings_page_decide_whether_an_emergency_is_put_through(line: Line):
    await set_hours_on_the_page(line, "00:00-24:00")
    said, twiml = await report_emergency(line)
    # The transcript keeps what the caller heard of the sentence before the line went to the staff number.
    assert said[-1].startswith("I understand") and say("en", "transfer").startswith(said[-1])
    assert "<Dial" in twiml and STAFF in twiml

    # Closed every day: the same call, on the same running gateway, is not put through.
    await set_hours_on_the_page(line, "")
    said, twiml = await report_emergency(line)
    assert say("en", "urgent") in " ".join(said)
    assert say("en", "transfer") not in said and twiml == ""
