"""A French agency's Excel CSV through the knowledge page in a real Chromium: upload, the preview with each column
and why, a column read as another field, then the import.

Set SYNCLEAD_SCREENSHOTS to a folder to keep a picture of each step for a look by eye.
"""

from __future__ import annotations

from synclead.knowledge.models import Listing
from tests.knowledge.files import AGENCY_EXPORT_FR
from tests.web.browser import BROWSER_TESTS, snapshot

pytestmark = BROWSER_TESTS


def test_a_member_previews_adjusts_and_imports_an_export(live_server, page, user_a, password, org_a):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Knowledge").click()

    export = {"name": "agence.csv", "mimeType": "text/csv", "buffer": AGENCY_EXPORT_FR}
    page.get_by_label("Files").set_input_files(export)
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("heading", name="Check agence.csv before importing it", level=1)).to_be_visible()
    expect(page.get_by_text("Read as CSV, ';' separated, Windows-1252.")).to_be_visible()
    columns = page.get_by_role("region", name="Columns")
    type_row = columns.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Type", exact=True))
    expect(type_row).to_contain_text("values: 3 of 3 are property types")
    expect(type_row.get_by_role("combobox")).to_contain_text("property_type (as read)")
    rows = page.get_by_role("region", name="First listings, as they would be stored")
    expect(rows.get_by_role("row")).to_have_count(4)  # the header and three listings
    expect(rows.get_by_role("row").nth(1)).to_contain_text("LOC-12")
    expect(rows.get_by_role("row").nth(1)).to_contain_text("Appartement T3")
    expect(rows.get_by_role("row").nth(1)).to_contain_text("1,251 €")
    snapshot(page, "import-preview")
    assert not Listing.objects.exists()

    page.get_by_label("Field for column Négociateur").select_option("description")
    page.get_by_role("button", name="Preview with these columns").click()
    negotiator = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Négociateur"))
    expect(negotiator).to_contain_text("mapped to description")
    snapshot(page, "import-mapped")

    page.get_by_role("button", name="Import 3 listings").click()
    expect(page).to_have_url(f"{live_server.url}/org/{org_a.slug}/knowledge/")
    expect(page.get_by_role("status").filter(has_text="agence.csv: 3 listings imported.")).to_be_visible()
    listings = page.get_by_role("region", name="Listings")
    expect(listings.get_by_role("row").filter(has_text="LOC-12")).to_contain_text("75009, Paris")
    expect(listings.get_by_role("row").filter(has_text="VEN-7")).to_contain_text("485,000 €")
    assert Listing.objects.get(reference="LOC-12").description == "Mme Petit"
