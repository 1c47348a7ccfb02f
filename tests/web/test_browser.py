"""A member of an agency, in a real Chromium: log in, find the call, read it, log out.

Set SYNCLEAD_SCREENSHOTS to a folder to keep a picture of each page for a look by eye.
"""

from __future__ import annotations

from datetime import timedelta

from tests.web.browser import BROWSER_TESTS, snapshot

DAY = timedelta(days=1)

pytestmark = BROWSER_TESTS


def test_a_member_reads_a_call_and_logs_out(live_server, page, user_a, password, org_a, org_b, make_call):
    from playwright.sync_api import expect

    call = make_call(org_a)
    make_call(org_a, lead_name="Jeanne Martin", from_number="+33698765432", started_at=call.started_at - DAY)
    make_call(org_b, lead_name="Someone Else")

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login/?next=/")
    snapshot(page, "login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Calls", level=1)).to_be_visible()
    rows = page.locator("table.calls tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Camille Durand")
    expect(page.locator("table.calls")).not_to_contain_text("Someone Else")
    snapshot(page, "calls")

    rows.first.click()  # anywhere on the row, not just on the link
    expect(page).to_have_url(f"{live_server.url}/calls/{call.call_sid}/")
    transcript = page.get_by_role("region", name="Transcript")
    expect(transcript.get_by_role("listitem")).to_have_count(5)
    expect(transcript.get_by_role("listitem").first).to_contain_text("Hello, Agence Lumière")
    expect(transcript).to_contain_text("Interrupted")
    lead = page.get_by_role("region", name="Lead")
    expect(lead).to_contain_text("Camille Durand")
    expect(lead.get_by_role("link", name="camille@example.com")).to_be_visible()
    snapshot(page, "call")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}/calls/{call.call_sid}/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
