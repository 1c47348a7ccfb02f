"""In a real Chromium: the lockout as a person meets it, two-factor enrolment, and pages that work under the CSP.

Set SYNCLEAD_SCREENSHOTS to a folder to keep a picture of each page for a look by eye.
"""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp

from synclead.config import get_settings
from tests.web.browser import BROWSER_TESTS, snapshot
from tests.web.test_recording_browser import stereo_wav

pytestmark = BROWSER_TESTS


@pytest.fixture(autouse=True)
def fast_hashing(settings) -> None:
    # Twenty logins in a row: the lockout is under test, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def csp_violations(page) -> list[str]:
    """What Chromium refused because of the Content Security Policy, as it reports it in the console."""
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return refused


def log_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_twenty_wrong_passwords_and_the_login_page_says_what_to_do(live_server, page, user_a, password):
    from playwright.sync_api import expect

    for attempt in range(19):
        log_in(page, live_server.url, "alice", f"guess {attempt}")
        expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    log_in(page, live_server.url, "alice", "guess 19")
    locked = page.get_by_test_id("locked-out")
    expect(locked).to_have_text(
        "Too many failed attempts. Try again in 30 minutes, or ask an administrator to unlock your account."
    )
    snapshot(page, "login-locked")

    log_in(page, live_server.url, "alice", password)
    expect(locked).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/"))


def test_enrol_and_log_in_with_a_code(live_server, page, user_a, password, csp_violations):
    from playwright.sync_api import expect

    log_in(page, live_server.url, "alice", password)
    page.get_by_role("link", name="Two-factor login").click()
    expect(page.get_by_role("heading", name="Turn it on")).to_be_visible()
    expect(page.locator("svg.qr")).to_be_visible()
    snapshot(page, "two-factor-enrol")
    # What the phone would read from the QR code: the key in the otpauth:// link.
    uri = page.get_by_test_id("totp-uri").get_attribute("href")
    key = b32decode(re.search(r"secret=([A-Z2-7]+)", uri).group(1))
    page.get_by_label("Code").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Turn two-factor login on").click()
    expect(page.get_by_role("status")).to_contain_text("Two-factor login is on")

    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server.url, "alice", password)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill(f"{totp(key, t0=-30):06d}")  # the next code: the last one may not serve twice
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Calls", level=1)).to_be_visible()
    assert csp_violations == []


def test_the_dashboard_works_under_its_content_security_policy(
    live_server, page, django_user_model, org_a, make_call, csp_violations
):
    from playwright.sync_api import expect

    owner = django_user_model.objects.create_user("odile", "odile@example.com", "a long passphrase", is_staff=True)
    org_a.members.add(owner, through_defaults={"role": "owner"})
    call = make_call(org_a)
    path = get_settings().recordings_dir / org_a.slug / f"{call.call_sid}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(stereo_wav(1.5))
    call.recording_file = str(path)
    call.save()

    log_in(page, live_server.url, "odile", "a long passphrase")
    response = page.goto(f"{live_server.url}/calls/{call.call_sid}/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    # The stylesheet applied: the page is laid out, not bare HTML.
    assert page.evaluate("() => getComputedStyle(document.querySelector('.card')).borderRadius") != "0px"
    played = page.evaluate(
        """async () => {
            const a = document.querySelector('audio');
            a.muted = true;
            await a.play();
            return !a.paused;
        }"""
    )
    assert played
    page.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("cell", name="Listened to a recording")).to_be_visible()
    snapshot(page, "audit")
    for url in ("/", "/leads/", "/knowledge/", "/account/two-factor/", "/admin/"):
        page.goto(f"{live_server.url}{url}")
    assert csp_violations == []
