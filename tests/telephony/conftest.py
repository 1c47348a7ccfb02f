"""An organization with a number, and a Twilio that signs its webhooks the way the real one does."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.http import HttpResponse
from django.test import Client

from synclead.config import reload_settings
from synclead.telephony.twilio.signatures import sign
from synclead.web.organizations.models import Organization, PhoneNumber

PUBLIC_URL = "https://synclead.test"  # set for the whole test run in tests/conftest.py
AUTH_TOKEN = "test-auth-token"
NUMBER = "+33142685300"
CALL_SID = "CA" + "a" * 32

Post = Callable[..., HttpResponse]


@pytest.fixture
def organization(db) -> Organization:
    org = Organization.objects.create(slug="agence-lumiere", name="Agence Lumière", language="fr")
    PhoneNumber.objects.create(number=NUMBER, organization=org)
    return org


@pytest.fixture
def twilio_post(client: Client) -> Post:
    """POST a form as Twilio would: signed over the public URL. `signature=` overrides the header."""

    def post(path: str, data: dict[str, str], signature: str | None = None, **headers: str) -> HttpResponse:
        if signature is None:
            signature = sign(PUBLIC_URL + path, data, AUTH_TOKEN)
        if signature:
            headers["X-Twilio-Signature"] = signature
        return client.post(path, data, headers=headers)

    return post


@pytest.fixture
def voice_form() -> Callable[..., dict[str, str]]:
    """The form fields of Twilio's voice webhook for an inbound call to the organization's number."""

    def form(**overrides: str) -> dict[str, str]:
        return {
            "CallSid": CALL_SID,
            "AccountSid": "AC" + "0" * 32,
            "From": "+33612345678",
            "To": NUMBER,
            "CallStatus": "ringing",
            "Direction": "inbound",
        } | overrides

    return form


@pytest.fixture
def no_auth_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "")
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()
