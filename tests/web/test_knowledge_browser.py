"""The knowledge page in a real Chromium: log in, upload a file through the form, ask about it, delete it.

Set SYNCLEAD_SCREENSHOTS to a folder to keep a picture of each step for a look by eye.
"""

from __future__ import annotations

from tests.web.browser import BROWSER_TESTS, snapshot

pytestmark = BROWSER_TESTS

GUIDE = (
    "# Renting with Agence Lumière\n\n"
    "## Pets\n\n"
    "Cats and small dogs are welcome in every flat we rent, with the owner's written agreement.\n\n"
    "## Keys\n\n"
    "Keys are handed over at the agency on the day the lease starts, from 9 am.\n"
).encode()


def test_a_member_uploads_asks_and_deletes(live_server, page, user_a, password, org_a):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Knowledge").click()

    expect(page).to_have_url(f"{live_server.url}/org/{org_a.slug}/knowledge/")
    expect(page.get_by_role("heading", name="Knowledge base", level=1)).to_be_visible()
    expect(page.get_by_text("No documents yet")).to_be_visible()
    snapshot(page, "empty")

    page.get_by_label("Files").set_input_files({"name": "guide.md", "mimeType": "text/markdown", "buffer": GUIDE})
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("status").filter(has_text="guide.md: added")).to_be_visible()
    documents = page.get_by_role("region", name="Documents")
    expect(documents.get_by_role("row")).to_have_count(2)  # the header and the guide
    expect(documents.get_by_role("row").nth(1)).to_contain_text("guide.md")
    expect(documents.get_by_role("row").nth(1)).to_contain_text("Markdown")

    page.get_by_label("Question").fill("Are cats and dogs welcome in your flats?")
    page.get_by_role("button", name="Ask").click()
    answers = page.get_by_role("region", name="Passages for")
    expect(answers.get_by_role("listitem").first).to_contain_text("Cats and small dogs are welcome")
    expect(answers.get_by_role("listitem").first).to_contain_text("guide.md")
    expect(answers.get_by_role("listitem").first).to_contain_text("Score")
    snapshot(page, "asked")

    page.get_by_role("link", name="Delete guide.md").click()
    expect(page.get_by_role("heading", name="Delete guide.md?")).to_be_visible()
    snapshot(page, "confirm")
    page.get_by_role("button", name="Delete document").click()

    expect(page).to_have_url(f"{live_server.url}/org/{org_a.slug}/knowledge/")
    expect(page.get_by_role("status").filter(has_text="guide.md: deleted")).to_be_visible()
    expect(page.get_by_text("No documents yet")).to_be_visible()
