"""An advisor follows a lead up in a real Chromium: badge, inbox, filter, assign, call back, and the evidence links.

Set SYNCLEAD_SCREENSHOTS to a folder to keep a picture of each page for a look by eye.
"""

from __future__ import annotations

from synclead.web.calls.models import Utterance
from synclead.web.leads.models import Lead
from tests.web.browser import BROWSER_TESTS, snapshot

pytestmark = BROWSER_TESTS


def test_an_advisor_follows_a_lead_up(live_server, page, user_a, password, org_a, org_b, make_call):
    from playwright.sync_api import expect

    urgent = make_call(org_a, lead_name="Camille Durand")
    calm = make_call(org_a, lead_name="Jeanne Martin", from_number="+33698765432")
    Lead.objects.filter(call=calm).update(urgency="low", intent="buy")
    make_call(org_b, lead_name="Someone Else")
    said = Utterance.objects.get(call=urgent, text__startswith="Camille")
    Lead.objects.filter(call=urgent).update(
        evidence={"name": {"confidence": 0.92, "utterance": said.pk}},
        qualification={"kind": "rent", "area": "Paris 11e", "rooms": 3},
    )

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    badge = page.get_by_test_id("new-leads")
    expect(badge).to_have_text("2 new")

    page.get_by_role("link", name="Leads").click()
    expect(page.get_by_role("heading", name="Leads", level=1)).to_be_visible()
    rows = page.locator("table.leads tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table.leads")).not_to_contain_text("Someone Else")
    snapshot(page, "leads-inbox")

    page.get_by_label("Urgency").select_option("high")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Camille Durand")
    expect(rows.first).to_contain_text("+33 6 12 34 56 78")
    snapshot(page, "leads-filtered")

    rows.first.click()
    expect(page.get_by_role("heading", name="Camille Durand", level=1)).to_be_visible()
    page.get_by_label("Assignee").select_option(label="alice")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Lead updated: assigned.")
    expect(badge).to_have_text("1 new")

    page.get_by_label("Status").select_option("called_back")
    page.get_by_label("Notes").fill("Visit booked for Saturday 10:00.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("lead-status")).to_have_text("Called back")
    expect(page.get_by_label("Notes")).to_have_value("Visit booked for Saturday 10:00.")
    snapshot(page, "lead-detail")

    page.get_by_role("link", name="Read the call and its transcript").click()
    lead_card = page.get_by_role("region", name="Lead")
    expect(lead_card).to_contain_text("Paris 11e")
    lead_card.get_by_role("link", name="92 % sure of the name").click()
    expect(page).to_have_url(f"{live_server.url}/calls/{urgent.call_sid}/#u-{said.pk}")
    target = page.locator(f"#u-{said.pk}")
    expect(target).to_contain_text("Camille Durand, and Saturday morning suits me.")
    expect(target).to_have_css("outline-style", "solid")  # lit up by :target
    expect(target).to_be_in_viewport()
    snapshot(page, "call-evidence")
