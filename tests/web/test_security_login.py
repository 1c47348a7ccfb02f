"""Logging in, as an attacker and as the advisor: throttling, two-factor codes, password rules, one way in.

Every login here goes through the real form (`/login/`), with the address set per request the way a client's
connection would set it.
"""

from __future__ import annotations

import re
from base64 import b32decode
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

LOCKED = "Too many failed attempts. Try again in 30 minutes, or ask an administrator to unlock your account."
# Documentation addresses (RFC 5737): nothing is sent to them, they only tell two clients apart.
HOME = "203.0.113.7"
CAFE = "198.51.100.23"


@pytest.fixture(autouse=True)
def fast_hashing(settings) -> None:
    # Each of the hundreds of attempts here would otherwise spend half a second in PBKDF2: the lockout is under test,
    # not the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def log_in(client: Client, username: str, password: str, address: str = HOME, next_url: str = ""):
    data = {"username": username, "password": password, "next": next_url}
    return client.post("/login/", data, REMOTE_ADDR=address)


def is_logged_in(client: Client) -> bool:
    return client.get("/").status_code == 200


def test_twenty_wrong_passwords_lock_the_account_from_every_address(client, user_a, password):
    for attempt in range(19):
        response = log_in(client, "alice", f"guess {attempt}")
        assert response.status_code == 200 and "Please enter a correct username and password" in response.text
    response = log_in(client, "alice", "guess 19")
    assert response.status_code == 429 and LOCKED in response.text

    # The right password, from another address: still locked, because the account is.
    response = log_in(Client(), "alice", password, address=CAFE)
    assert response.status_code == 429 and LOCKED in response.text

    out = StringIO()
    call_command("axes_reset_username", "alice", stdout=out)
    assert "attempts removed" in out.getvalue()
    other = Client()
    response = log_in(other, "alice", password, address=CAFE)
    assert response.status_code == 302 and response["Location"] == "/"
    assert is_logged_in(other)


def test_twenty_failures_from_one_address_lock_it_for_every_account(client, user_a, password):
    for attempt in range(20):
        response = log_in(client, f"someone{attempt}", "guess")
    assert response.status_code == 429 and LOCKED in response.text

    # Alice's own right password from that address: the address is locked.
    response = log_in(Client(), "alice", password, address=HOME)
    assert response.status_code == 429 and LOCKED in response.text
    # Alice herself is not: from elsewhere she logs in.
    assert log_in(Client(), "alice", password, address=CAFE).status_code == 302

    call_command("axes_reset_ip", HOME, stdout=StringIO())
    assert log_in(Client(), "alice", password, address=HOME).status_code == 302


def test_a_few_mistakes_lock_nothing(client, user_a, password):
    for attempt in range(5):
        log_in(client, "alice", f"guess {attempt}")
    assert log_in(client, "alice", password).status_code == 302 and is_logged_in(client)


def test_the_admin_lists_the_attempts(admin_client, client, user_a):
    log_in(client, "alice", "wrong")
    html = admin_client.get("/admin/axes/accessattempt/").content.decode()
    assert "alice" in html and HOME in html


def test_an_administrator_removes_a_lost_authenticator_without_seeing_its_key(admin_client, client, user_a, password):
    log_in(client, "alice", password)
    secret = enrol(client)
    device = TOTPDevice.objects.get(user=user_a)
    page = admin_client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert secret not in page and device.key not in page
    admin_client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(user=user_a).exists()


def test_the_admin_login_is_the_dashboard_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/admin/"


def test_the_admin_is_reached_through_the_dashboard_login(client, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.com", "a long operator passphrase")
    response = log_in(client, "root", "a long operator passphrase", next_url="/admin/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


# Password rules


def test_the_four_standard_password_rules_apply(user_a):
    assert len(password_validators_help_texts()) == 4
    for weak in ("short1", "password123", "4815162342", "alice-lumiere"):
        with pytest.raises(ValidationError):
            validate_password(weak, user_a)


def test_the_demo_login_gets_a_password_the_rules_accept(db, monkeypatch):
    from synclead.web.service.management.commands import demo

    # The demo's knowledge base takes half a minute to embed and has nothing to do with its login.
    monkeypatch.setattr(demo, "ensure_demo_knowledge", dict)
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    password = re.search(r"login: demo\s+password: (\S+)", out.getvalue()).group(1)
    user = get_user_model().objects.get(username="demo")
    validate_password(password, user)
    assert user.check_password(password)


# Two-factor login


def code(secret: str, steps_ahead: int = 0) -> str:
    """What the authenticator app shows now, or `steps_ahead` 30-second steps from now."""
    return f"{totp(b32decode(secret), t0=-30 * steps_ahead):06d}"


def enrol(client: Client) -> str:
    """Turn two-factor login on from the account page, as the user would with their phone; returns the key."""
    page = client.get("/account/two-factor/").content.decode()
    uri = re.search(r'href="(otpauth://totp/[^"]+)"', page).group(1)
    assert uri.startswith("otpauth://totp/SYNCLEAD%3Aalice?") and "issuer=SYNCLEAD" in uri
    assert "<svg" in page, "the QR code to scan"
    secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
    response = client.post("/account/two-factor/", {"code": code(secret)}, follow=True)
    assert "Two-factor login is on" in response.text
    return secret


@pytest.fixture
def alice_with_totp(client, user_a, password) -> str:
    assert log_in(client, "alice", password).status_code == 302
    secret = enrol(client)
    client.post("/logout/")
    assert not is_logged_in(client)
    return secret


def test_with_two_factor_on_the_password_alone_does_not_log_in(client, alice_with_totp, password):
    response = log_in(client, "alice", password, next_url="/leads/")
    assert response.status_code == 302 and response["Location"] == "/login/code/"
    assert not is_logged_in(client)
    page = client.get("/login/code/")
    assert "Enter your code" in page.text

    response = client.post("/login/code/", {"code": code(alice_with_totp, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == "/leads/"
    assert is_logged_in(client)
    assert TOTPDevice.objects.get(user__username="alice").last_used_at is not None


def test_a_wrong_code_does_not_log_in_and_counts_as_a_failed_login(client, alice_with_totp, password):
    log_in(client, "alice", password)
    right = code(alice_with_totp, steps_ahead=1)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post("/login/code/", {"code": wrong})
    assert response.status_code == 200 and "That code is not right" in response.text
    assert not is_logged_in(client)
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 1


def test_twenty_wrong_codes_lock_the_account(client, alice_with_totp, password, settings):
    # Without the device's own back-off between wrong codes, so that only the lockout stops the guessing.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    log_in(client, "alice", password)
    for guess in range(20):
        response = client.post("/login/code/", {"code": f"{guess:06d}"})
    assert response.status_code == 429 and LOCKED in response.text
    assert log_in(Client(), "alice", password, address=CAFE).status_code == 429


def test_the_code_step_needs_the_password_first(client, alice_with_totp):
    response = client.post("/login/code/", {"code": code(alice_with_totp, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not is_logged_in(client)


def test_two_factor_is_turned_off_with_a_code_only(client, alice_with_totp, password, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the right code straight after a wrong one
    log_in(client, "alice", password)
    client.post("/login/code/", {"code": code(alice_with_totp, steps_ahead=1)})
    page = client.get("/account/two-factor/").content.decode()
    assert "Turn two-factor login off" in page and "otpauth://" not in page, "the key is never shown again"

    response = client.post("/account/two-factor/", {"code": "000000"})
    assert "two-factor login stays on" in response.text
    assert TOTPDevice.objects.filter(user__username="alice").exists()

    response = client.post("/account/two-factor/", {"code": code(alice_with_totp, steps_ahead=2)}, follow=True)
    assert "Two-factor login is off" in response.text
    client.post("/logout/")
    assert log_in(client, "alice", password).status_code == 302 and is_logged_in(client)


def test_an_unconfirmed_enrolment_changes_nothing(client, user_a, password):
    log_in(client, "alice", password)
    client.get("/account/two-factor/")  # shown the QR code, never confirmed
    client.post("/logout/")
    assert log_in(client, "alice", password)["Location"] == "/"


def test_the_lockout_page_is_the_same_through_asgi(client, user_a):
    # The gateway serves the dashboard through Django's ASGI handler, where django-axes takes another code path.
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    for attempt in range(19):
        log_in(client, "alice", f"guess {attempt}")
    response = async_to_sync(AsyncClient().post)(
        "/login/", {"username": "alice", "password": "guess 19"}, REMOTE_ADDR=HOME
    )
    assert response.status_code == 429 and LOCKED in response.content.decode()
