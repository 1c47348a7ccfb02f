"""The evaluation page in a real Chromium: from the navigation to a failed check, expected against got.

Set SYNCLEAD_SCREENSHOTS to a folder to keep a picture of the page for a look by eye.
"""

from __future__ import annotations

from django.utils import timezone

from synclead.web.evals.models import Scorecard
from tests.web.browser import BROWSER_TESTS, snapshot
from tests.web.test_eval_page import scorecard_data

pytestmark = BROWSER_TESTS


def test_a_member_reads_the_scorecard(live_server, page, user_a, password, org_a):
    from playwright.sync_api import expect

    Scorecard.record(org_a, scorecard_data(org_a.slug, "We are closed on Saturday."), timezone.now())
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Evaluation").click()

    expect(page).to_have_url(f"{live_server.url}/org/{org_a.slug}/eval/")
    expect(page.get_by_role("heading", name=f"Evaluation of {org_a.name}", level=1)).to_be_visible()
    expect(page.get_by_test_id("eval-score")).to_have_text("50.0 %")
    scenario = page.get_by_test_id("eval-scenario")
    expect(scenario).to_contain_text("hours-saturday")
    # A failed scenario is open: its checks are read without a click.
    failed = scenario.get_by_role("row").filter(has_text="10 am | 10:00")
    expect(failed).to_contain_text("(not said)")
    expect(failed).to_contain_text("fail")
    snapshot(page, "eval")
