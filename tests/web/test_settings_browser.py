"""The settings and members pages in a real Chromium.

An owner changes the business hours on a running gateway (the product's own server: dashboard and calls) and the
next simulated call hears the new hours, with no restart; an invitation is sent, its link opened and accepted, and
the new advisor can read the settings but not change them.

Set SYNCLEAD_SCREENSHOTS to a folder to keep a picture of each step for a look by eye.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import websockets

from synclead.agent.offline.phrases import speak_hours
from synclead.audio import mulaw
from synclead.bench.audio import render_caller_speech
from synclead.bench.providers import FixedSTT, FixedVoice
from synclead.config import get_settings
from synclead.gateway.providers import Providers, agents_for
from synclead.knowledge import ingest
from synclead.simulator.caller import Conversation, Pacing, converse, frames_of
from synclead.web.calls.models import Call, Utterance
from synclead.web.calls.models import Role as Speaker
from synclead.web.organizations.models import Organization
from tests.background_server import BackgroundServer
from tests.gateway.calls import STUCK_S, Gateway, dial, signed
from tests.web.browser import BROWSER_TESTS, snapshot

pytestmark = [*BROWSER_TESTS, pytest.mark.django_db(transaction=True)]

QUESTION = "What are your opening hours?"
# Something for the receptionist to answer from (an organization without documents gets the answering machine),
# which says nothing of the hours: those come from the settings.
FEES = b"# Fees\n\nThe agency fee for a rental is twelve euros per square metre, shared by tenant and owner.\n"
WEEKDAYS = {day: [["09:00", "19:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
OWNER_PASSWORD = "a long owner passphrase"


@pytest.fixture
def gateway_url(monkeypatch, org_a) -> Iterator[str]:
    """The gateway (`create_app`) serving the dashboard and the media stream in a thread of its own, with the
    product's agents; only the recogniser (it hears QUESTION in any speech) and the voice are stand-ins."""
    from synclead.audio.vad import VadStream, get_model
    from synclead.gateway.app import create_app

    settings = get_settings()
    monkeypatch.setattr(settings, "worker", "external")
    get_model()
    providers = Providers(
        stt=FixedSTT(0.01, QUESTION),
        tts=FixedVoice(0.01),
        vad_factory=VadStream,
        agent_factory=agents_for(settings),
    )
    server = BackgroundServer(create_app(providers, settings=settings), "gateway", lifespan="on")
    port = server.start(timeout_s=60)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def in_own_loop[T](coroutine: Coroutine[Any, Any, T]) -> T:
    # Its own thread and event loop: Playwright's synchronous API holds this thread's.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=STUCK_S * 4)


def has_answered(call_sid: str) -> bool:
    """The agent has said something after the caller's question (each utterance is written once it is said)."""
    asked = Utterance.objects.filter(call__call_sid=call_sid, role=Speaker.CALLER).order_by("start_ms").first()
    return (
        asked is not None
        and Utterance.objects.filter(call__call_sid=call_sid, role=Speaker.AGENT, start_ms__gt=asked.start_ms).exists()
    )


def ask_the_hours(url: str, speech: list[str]) -> list[str]:
    """Phone the organization, ask QUESTION, listen, hang up; what the agent said, in order, from the call's
    transcript as the gateway wrote it."""

    async def call() -> str:
        dialled, stream, public = await dial(Gateway(url, streams=None))  # type: ignore[arg-type]
        answered = asyncio.Event()

        async def wait_for_the_answer() -> None:
            # Polled: the answer is a row the gateway's writer thread commits, which no event of ours announces.
            while not await asyncio.to_thread(has_answered, dialled.call_sid):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            answered.set()

        watching = asyncio.create_task(wait_for_the_answer())
        async with websockets.connect(Gateway(url, None).media_url, additional_headers=signed(public)) as ws:  # type: ignore[arg-type]
            # The caller hangs up once the answer is in the transcript, not after a while: how long the agent takes
            # (a model loading on the first question) is no concern of this test.
            pacing = Pacing(speed=4, quiet_ms=600, reply_timeout_ms=120_000, hangup_wait_ms=300_000)
            await converse(ws, stream, Conversation([speech], pacing), answered)
        watching.cancel()
        return dialled.call_sid

    call_sid = in_own_loop(call())
    # The gateway writes the call's end after its utterances, on one thread: once it is there, so is what was said.
    deadline = time.monotonic() + STUCK_S
    while not Call.objects.filter(call_sid=call_sid, ended_at__isnull=False).exists():
        assert time.monotonic() < deadline, "the gateway never wrote the call's end"
        time.sleep(0.05)
    utterances = Call.objects.get(call_sid=call_sid).utterances.order_by("start_ms", "id")
    return [u.text for u in utterances if u.role == Speaker.AGENT]


def test_an_owner_changes_the_hours_and_the_next_call_says_the_new_ones(
    gateway_url, page, django_user_model, org_a
) -> None:
    from playwright.sync_api import expect

    owner = django_user_model.objects.create_user("odile", "odile@lumiere.example", OWNER_PASSWORD)
    org_a.members.add(owner, through_defaults={"role": "owner"})
    Organization.objects.filter(pk=org_a.pk).update(business_hours=WEEKDAYS)
    ingest.ingest_file(org_a, "fees.md", FEES)
    speech = frames_of(mulaw.encode(in_own_loop(render_caller_speech("en", QUESTION))))

    before = ask_the_hours(gateway_url, speech)
    assert speak_hours(WEEKDAYS, "en") in " ".join(before)
    assert "Monday to Friday from 9 am to 7 pm" in speak_hours(WEEKDAYS, "en")

    page.goto(f"{gateway_url}/login/")
    page.get_by_label("Username").fill("odile")
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page).to_have_url(f"{gateway_url}/org/{org_a.slug}/settings/")
    expect(page.get_by_label("Friday")).to_have_value("09:00-19:00")

    page.get_by_label("Friday").fill("")
    page.get_by_label("Saturday").fill("10h-13h")
    page.get_by_label("Tuesday").fill("9-12 and 25:00-26:00")
    page.get_by_role("button", name="Save settings").click()
    # A mistake is shown at its field and nothing is saved.
    expect(page.get_by_role("alert").filter(has_text="Nothing was saved")).to_be_visible()
    expect(page.locator(".field--error")).to_contain_text("25:00 is not a time of day")
    snapshot(page, "settings-error")
    page.get_by_label("Tuesday").fill("09:00-19:00")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status").filter(has_text="The next call follows the new settings")).to_be_visible()
    expect(page.get_by_label("Saturday")).to_have_value("10:00-13:00")
    snapshot(page, "settings-saved")

    after = ask_the_hours(gateway_url, speech)
    new_hours = {**{day: WEEKDAYS[day] for day in ("mon", "tue", "wed", "thu")}, "sat": [["10:00", "13:00"]]}
    assert "Monday to Thursday from 9 am to 7 pm, and on Saturday from 10 am to 1 pm" in speak_hours(new_hours, "en")
    assert speak_hours(new_hours, "en") in " ".join(after)
    assert "Friday" not in " ".join(after)

    page.goto(f"{gateway_url}/audit/")
    expect(page.get_by_role("main")).to_contain_text("Changed settings")
    expect(page.get_by_role("main")).to_contain_text("business_hours")


def test_an_invited_advisor_joins_from_the_link_and_can_only_read_the_settings(
    live_server, page, django_user_model, org_a, mailoutbox
) -> None:
    from playwright.sync_api import expect

    owner = django_user_model.objects.create_user("odile", "odile@lumiere.example", OWNER_PASSWORD)
    org_a.members.add(owner, through_defaults={"role": "owner"})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("odile")
    page.get_by_label("Password").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/org/{org_a.slug}/members/")
    invite = page.get_by_role("region", name="Invite someone")
    invite.get_by_label("Email").fill("adrien@lumiere.example")
    invite.get_by_label("Role").select_option("advisor")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status").filter(has_text="Invitation sent to adrien@lumiere.example")).to_be_visible()
    expect(page.get_by_role("region", name="Invitations not yet accepted")).to_contain_text("adrien@lumiere.example")
    snapshot(page, "members-invited")

    (email,) = mailoutbox
    assert email.to == ["adrien@lumiere.example"]
    link = re.search(r"https?://\S+/invitations/\S+/", email.body)
    assert link is not None, email.body
    path = link.group(0).split("/invitations/", 1)[1]

    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_server.url}/invitations/{path}")
    expect(page.get_by_role("heading", name="Join Agence Lumière")).to_be_visible()
    page.get_by_label("User name").fill("adrien")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password again").fill("short")
    page.get_by_role("button", name="Create my account and join").click()
    expect(page.locator(".field--error")).to_contain_text("too short")
    page.get_by_label("Password", exact=True).fill("a long advisor passphrase")
    page.get_by_label("Password again").fill("a long advisor passphrase")
    snapshot(page, "invitation")
    page.get_by_role("button", name="Create my account and join").click()
    expect(page.get_by_role("status").filter(has_text="You joined Agence Lumière as Advisor")).to_be_visible()

    page.goto(f"{live_server.url}/org/{org_a.slug}/settings/")
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    expect(page.get_by_text("Only the organization's owners change these settings.")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("button")).to_have_count(0)
    expect(main.get_by_role("textbox")).to_have_count(0)
    snapshot(page, "settings-advisor")
    csrf = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    refused = page.request.post(
        f"{live_server.url}/org/{org_a.slug}/settings/",
        form={"name": "Taken over"},
        headers={"X-CSRFToken": csrf, "Referer": f"{live_server.url}/org/{org_a.slug}/settings/"},
    )
    # Refused for the role, not for a missing token (Django's CSRF refusal is a 403 too, and says so).
    assert refused.status == 403 and "CSRF" not in refused.text()
    page.goto(f"{live_server.url}/org/{org_a.slug}/members/")
    expect(main.get_by_role("button")).to_have_count(0)
    expect(page.get_by_test_id("member-adrien")).to_contain_text("Advisor")

    # The link worked once.
    page.goto(f"{live_server.url}/invitations/{path}")
    expect(page.get_by_role("heading", name="This invitation link does not work")).to_be_visible()
    org_a.refresh_from_db()
    assert org_a.name == "Agence Lumière"
