"""Every dashboard page in a real Chromium, in English and in French, on a desktop and on a 390 px phone.

On each page: no accessibility violation found by axe-core (the copy shipped by the axe-playwright-python wheel,
injected into the page), no sideways scrolling, and a header whose "Log out" stays on screen. Switching the language
in the header changes the page and stays with the account; a French reader sees French dates and amounts.

The pictures in docs/screenshots/ come from here:
    SYNCLEAD_SCREENSHOTS=docs/screenshots ./run test -n 0 tests/web/test_i18n_browser.py
A page added to the dashboard joins the checks (and the pictures) with one line in PAGES.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from tests.web.browser import BROWSER_TESTS, CHROMIUM, CHROMIUM_ARGS, snapshot

pytestmark = [*BROWSER_TESTS, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
LOG_OUT = {"en": "Log out", "fr": "Se déconnecter"}
CALLS = {"en": "Calls", "fr": "Appels"}


@dataclass(frozen=True)
class Shown:
    """What the pages are about: the call, its lead and the organizations of the signed-in owner."""

    org: object
    other: object
    call: object
    lead: object


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[Shown], str]
    signed_in: bool = True


# One line per page. The name is the picture's: docs/screenshots/<name>.<language>[.phone].png
PAGES = [
    Page("login", lambda s: reverse("dashboard:login"), signed_in=False),
    Page("calls", lambda s: reverse("dashboard:call_list")),
    Page("call", lambda s: reverse("dashboard:call_detail", args=[s.call.call_sid])),
    Page("live", lambda s: reverse("dashboard:live_calls")),
    Page("analytics", lambda s: reverse("dashboard:analytics") + "?since=2025-06-01&until=2025-07-31"),
    Page("leads", lambda s: reverse("dashboard:lead_inbox")),
    Page("lead", lambda s: reverse("dashboard:lead_detail", args=[s.lead.pk])),
    Page("knowledge", lambda s: reverse("dashboard:knowledge", args=[s.org.slug])),
    Page("settings", lambda s: reverse("dashboard:organization_settings", args=[s.org.slug])),
    Page("members", lambda s: reverse("dashboard:members", args=[s.org.slug])),
    Page("test-call", lambda s: reverse("dashboard:talk", args=[s.org.slug])),
    Page("audit", lambda s: reverse("dashboard:audit_log")),
    Page("two-factor", lambda s: reverse("dashboard:two_factor")),
]

LISTINGS = (
    b"reference,kind,city,district,rooms,surface_m2,price,charges,available_from\n"
    b"LUM-101,rent,Paris,9e,3,64.5,1850,120,now\n"
    b"LUM-204,sale,Paris,11e,4,88,1250000,,now\n"
)
GUIDE = b"# Fees\n\nThe agency fee for a rental is twelve euros per square metre.\n"


@pytest.fixture
def shown(django_user_model, password, org_a, org_b, make_call) -> Shown:
    from synclead.knowledge import ingest
    from synclead.knowledge.models import Document
    from synclead.web.audit.models import Action, AuditEvent
    from synclead.web.leads.models import Lead

    org_b.language = "fr"
    org_b.save()
    owner = django_user_model.objects.create_user(
        "odile", "odile@lumiere.example", password, first_name="Odile", last_name="Marchand"
    )
    for organization in (org_a, org_b):
        organization.members.add(owner, through_defaults={"role": "owner"})
    start = datetime(2025, 7, 1, 8, 30, tzinfo=UTC)
    call = make_call(org_a, started_at=start)
    make_call(org_b, started_at=start - timedelta(hours=3), lead_name="Élodie Fabre", from_number="+33698765432")
    lead = Lead.objects.get(call=call)
    Lead.objects.filter(pk=lead.pk).update(
        intent="tenant_issue",
        qualification={"kind": "rent", "area": "Paris 11e", "rooms": 3, "budget": 1850},
        evidence={"name": {"confidence": 0.92, "utterance": call.utterances.first().pk}},
    )
    ingest.ingest_file(org_a, "fees.md", GUIDE)
    ingest.ingest_file(org_a, "listings.csv", LISTINGS)
    AuditEvent.objects.create(
        organization=org_a, actor="odile", action=Action.LISTENED, target=call.call_sid, at=start + timedelta(hours=2)
    )
    # Fixed moments, so that the pictures change only when the pages do.
    Lead.objects.update(created_at=start + timedelta(minutes=2))
    Document.objects.update(updated_at=start - timedelta(days=3))
    return Shown(org_a, org_b, call, lead)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(browser, language: str, viewport: dict):
    # The browser's own language, as Accept-Language: what a user who never chose one gets.
    context = browser.new_context(viewport=viewport, locale="fr-FR" if language == "fr" else "en-GB")
    return context, context.new_page()


def _log_in(page, base: str, password: str) -> None:
    page.goto(f"{base}{reverse('dashboard:login')}")
    page.locator("#id_username").fill("odile")
    page.locator("#id_password").fill(password)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def _violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    # Proof that axe ran its rules on this page: a page it could not read would show no violation either.
    assert len(results.response["passes"]) > 10, results.response.get("url")
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']} — {[node['target'] for node in rule['nodes']][:5]}"
        for rule in results.response["violations"]
    ]


HEADER_OVERLAPS = """
() => {
  const parts = [...document.querySelectorAll(".site-header a, .site-header button, .site-header .account__name")]
    .filter((el) => el.getClientRects().length > 0);
  const clash = [];
  for (let i = 0; i < parts.length; i++) for (let j = i + 1; j < parts.length; j++) {
    const r = parts[i].getBoundingClientRect(), q = parts[j].getBoundingClientRect();
    const w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
    const h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
    if (w > 1 && h > 1) clash.push(parts[i].textContent.trim() + " / " + parts[j].textContent.trim());
  }
  return clash;
}
"""


def _overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_is_accessible_and_fits(live_server, browser, shown, password, language, viewport):
    from playwright.sync_api import expect

    context, page = _open(browser, language, viewport)
    problems: dict[str, list[str]] = {}
    signed_in = False
    for entry in PAGES:
        if entry.signed_in and not signed_in:
            _log_in(page, live_server.url, password)
            signed_in = True
        page.goto(f"{live_server.url}{entry.url(shown)}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        found = _violations(page)
        if (overflow := _overflow(page)) > 0:
            found.append(f"the page is {overflow}px wider than the {viewport['width']}px window")
        if clashes := page.evaluate(HEADER_OVERLAPS):
            found.append(f"header items overlap: {clashes}")
        if entry.signed_in:
            log_out = page.get_by_role("button", name=LOG_OUT[language])
            box = log_out.bounding_box()
            if not log_out.is_visible() or box is None or box["x"] + box["width"] > viewport["width"]:
                found.append("Log out is not on screen")
        if found:
            problems[entry.name] = found
        suffix = ".phone" if viewport is PHONE else ""
        snapshot(page, f"{entry.name}.{language}{suffix}", full_page=False)
    context.close()
    assert problems == {}


def test_switching_language_in_the_header_changes_the_page_and_follows_the_account(
    live_server, browser, shown, password
):
    from playwright.sync_api import expect

    context, page = _open(browser, "en", DESKTOP)
    _log_in(page, live_server.url, password)
    expect(page.get_by_role("heading", name="Calls", level=1)).to_be_visible()

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Appels", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Principale").get_by_role("link", name="Demandes").click()
    expect(page.get_by_role("heading", name="Demandes", level=1)).to_be_visible()
    context.close()

    # Another browser, set to English: the account's choice comes back at login.
    context, page = _open(browser, "en", PHONE)
    _log_in(page, live_server.url, password)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_in_viewport()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Calls", level=1)).to_be_visible()
    context.close()


def test_a_french_reader_sees_french_dates_and_amounts(live_server, browser, shown, password):
    from playwright.sync_api import expect

    context, page = _open(browser, "fr", DESKTOP)
    _log_in(page, live_server.url, password)
    # 8:30 UTC is 10:30 in Paris in July, written the French way.
    expect(page.locator("table.calls")).to_contain_text("1 juil. 2025, 10:30")
    expect(page.locator("table.calls")).to_contain_text("Problème de locataire")

    page.goto(f"{live_server.url}{reverse('dashboard:knowledge', args=[shown.org.slug])}")
    listings = page.get_by_role("table", name="Biens")
    expect(listings).to_contain_text("1\u202f250\u202f000 €")  # a narrow no-break space between thousands
    expect(listings).to_contain_text("1\u202f850 €")
    expect(listings).to_contain_text("À louer")
    context.close()


@pytest.mark.skipif(not os.environ.get("SYNCLEAD_SCREENSHOTS"), reason="only when pictures are asked for")
def test_the_pictures_cover_every_page():
    folder = os.environ["SYNCLEAD_SCREENSHOTS"]
    names = {
        f"{entry.name}.{language}{suffix}.png"
        for entry in PAGES
        for language in ("en", "fr")
        for suffix in ("", ".phone")
    }
    assert names <= set(os.listdir(folder))
