"""A member reads a week in the analytics page, in a real Chromium, and downloads its calls and leads: the files
hold exactly what the page counted."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from tests.web.browser import BROWSER_TESTS, snapshot
from tests.web.test_analytics import RANGE, week  # noqa: F401 (the seeded week, a fixture)

pytestmark = [*BROWSER_TESTS, pytest.mark.django_db(transaction=True)]


def figures(table) -> dict[str, int]:
    """A figures table as {label: count}."""
    rows = table.locator("tbody tr")
    return {
        rows.nth(i).locator("th").inner_text(): int(rows.nth(i).locator("td").inner_text()) for i in range(rows.count())
    }


def download(page, name: str, folder: Path) -> list[dict[str, str]]:
    with page.expect_download() as waiting:
        page.get_by_role("link", name=name).click()
    path = folder / waiting.value.suggested_filename
    waiting.value.save_as(path)
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def test_the_week_on_the_page_is_the_week_in_the_files(live_server, page, user_a, password, week, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/login/?next=/analytics/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Analytics", level=1)).to_be_visible()
    page.get_by_label("From", exact=True).fill(RANGE["since"])
    page.get_by_label("To", exact=True).fill(RANGE["until"])
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("total-calls")).to_have_text("5")
    outcomes = figures(page.get_by_test_id("outcomes"))
    assert outcomes == {"Answered by the agent": 3, "Voicemail": 1, "Abandoned": 1}
    assert list(figures(page.get_by_test_id("per-week")).values()) == [5]
    languages = figures(page.get_by_test_id("languages"))
    assert languages == {"English": 4, "Français": 1}
    expect(page.get_by_role("img", name="How calls were answered")).to_be_visible()
    snapshot(page, "analytics")

    calls = download(page, "Export calls (CSV)", tmp_path)
    assert len(calls) == 5
    assert Counter(row["Language"] for row in calls) == {"en": 4, "fr": 1}
    intents = figures(page.get_by_test_id("intents"))
    assert sum(intents.values()) == len(calls)
    assert Counter(row["Intent"] for row in calls if row["Intent"])["visit"] == intents["Viewing"]

    leads = download(page, "Export leads (CSV)", tmp_path)
    expect(page.get_by_test_id("total-leads")).to_have_text(str(len(leads)))
    statuses = figures(page.get_by_test_id("statuses"))
    assert statuses["Called back"] == sum(row["Status"] == "called_back" for row in leads) == 1
    assert statuses["New"] == sum(row["Status"] == "new" for row in leads)
