"""An advisor watches a call as it happens, in a real Chromium, from the agent's first sentence to the report.

The call is placed on a running gateway as Twilio places it; the page is never reloaded until the report is
written (a marker set in the page survives every utterance).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from synclead.simulator.dialer import Dial
from synclead.web.calls.models import Call
from synclead.web.organizations.management.commands.org import add_organization
from tests.web.browser import BROWSER_TESTS, snapshot
from tests.web.live_call import ACCOUNT_SID, LiveGateway

pytestmark = [*BROWSER_TESTS, pytest.mark.django_db(transaction=True)]

ORG_NUMBER = "+33142685300"
CALLER = "+33612345678"
SAID = [
    "Hello, I would like to visit the flat on rue Oberkampf, it is urgent.",
    "Camille Durand.",
    "No, call me on 06 98 76 54 32 please.",
    "Yes, that's right.",
]
WAIT_MS = 60_000


@pytest.fixture
def gateway():
    served = LiveGateway(SAID).start()
    yield served
    served.stop()


def test_an_advisor_watches_a_call_from_its_first_sentence_to_its_report(page, gateway, password):
    from playwright.sync_api import expect

    organization, _ = add_organization("demo", "Agence Lumière", [ORG_NUMBER])
    user = get_user_model().objects.create_user("alice", "alice@lumiere.example", password)
    organization.members.add(user)
    page.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)

    page.goto(f"{gateway.url}/login/?next=/live/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Live calls", level=1)).to_be_visible()
    expect(page.get_by_text("No call in progress")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    dial = Dial(ACCOUNT_SID, CALLER, ORG_NUMBER)
    placed = gateway.call(dial)

    # The call appears on the live page by itself, with the agent's greeting, then the caller's first turn.
    card = page.locator(f'[data-call-sid="{dial.call_sid}"]')
    expect(card).to_be_visible()
    expect(card.locator(".utterance--agent").first).to_contain_text("Hello, you have reached Agence Lumière")
    expect(card.get_by_role("button", name="End the call")).to_be_visible()
    gateway.recognizer.release(0)
    expect(card.locator(".utterance--caller").first).to_contain_text("rue Oberkampf")
    expect(card.locator('[data-live-field="urgency"]')).to_have_text("High")
    expect(card.locator('[data-live-field="intent"]')).to_have_text("Viewing")
    assert page.evaluate("window.notReloaded") is True
    snapshot(page, "live-calls")

    # The call's own page follows it too: what was said so far, then each new turn as it comes.
    card.get_by_role("link").click()
    expect(page).to_have_url(f"{gateway.url}/calls/{dial.call_sid}/")
    transcript = page.get_by_role("region", name="Transcript")
    expect(transcript).not_to_contain_text("Nothing was said")
    expect(transcript.get_by_role("listitem")).to_have_count(3)  # greeting, first turn, the agent asking the name
    expect(page.locator('[data-live-field="urgency"]')).to_have_text("High")
    page.evaluate("window.notReloaded = true")
    gateway.recognizer.release(1)
    expect(transcript).to_contain_text("Camille Durand.")
    lead = page.get_by_role("region", name="Lead")
    expect(lead.locator('[data-live-field="name"]')).to_have_text("Camille Durand")
    expect(lead.locator('[data-live-field="phone"]')).to_have_text("+33 6 12 34 56 78")  # the caller ID, so far
    gateway.recognizer.release(2)
    expect(lead.locator('[data-live-field="phone"]')).to_have_text("+33 6 98 76 54 32")
    expect(transcript).to_contain_text("Is that right?")
    assert page.evaluate("window.notReloaded") is True
    snapshot(page, "live-call")

    # The caller confirms; the agent says goodbye and hangs up; the page shows the report once it is written.
    gateway.recognizer.release(3)
    expect(page.get_by_role("link", name="Follow up this lead →")).to_be_visible()
    expect(page.get_by_role("region", name="Summary")).not_to_contain_text("No summary yet")
    expect(page.get_by_role("button", name="End the call")).to_have_count(0)
    result = placed.result(WAIT_MS / 1000)
    assert result.caller.ended_by == "hangup"
    call = Call.objects.get(call_sid=dial.call_sid)
    assert call.report_ready_at is not None
    assert call.lead.phone == "+33698765432"
    assert page.get_by_role("region", name="Transcript").get_by_role("listitem").count() == call.utterances.count()
    page.close()  # the page's event stream ends before the gateway stops
