"""An agency with one advisor, a finished call and the lead taken from it; local servers to notify."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from synclead.config import get_settings
from synclead.web.calls.models import Call, CallStatus
from synclead.web.leads.models import Lead
from synclead.web.organizations.models import Organization, PhoneNumber

from .servers import Mailbox, TwilioMessages, WebhookReceiver, serve, smtp_server

AGENCY_NUMBER = "+33142685300"


@dataclass
class FakeClock:
    """The time notifications see; tests move it instead of waiting out the back-off."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))


@pytest.fixture
def organization(db, django_user_model) -> Organization:
    org = Organization.objects.create(slug="agence-lumiere", name="Agence Lumière", language="fr", notify_email=True)
    PhoneNumber.objects.create(number=AGENCY_NUMBER, organization=org)
    org.members.add(django_user_model.objects.create_user("alice", "alice@lumiere.example"))
    # Members without an address are skipped, not an error.
    org.members.add(django_user_model.objects.create_user("bob", ""))
    return org


@pytest.fixture
def lead(organization: Organization) -> Lead:
    call = Call.objects.create(
        call_sid="CA" + "1" * 32,
        organization=organization,
        from_number="+33612345678",
        to_number=AGENCY_NUMBER,
        language="fr",
        status=CallStatus.COMPLETED,
        duration_s=74.0,
        summary="Jean Dupont cherche un T3 à louer à Lyon, budget 1 200 € par mois, dès que possible.",
    )
    return Lead.objects.create(
        call=call,
        organization=organization,
        name="Jean Dupont",
        phone="+33612345678",
        intent="rent",
        urgency="high",
        qualification={"kind": "rent", "area": "Lyon", "rooms": 3, "budget": 1200},
    )


@pytest.fixture
def mailbox(settings) -> Iterator[Mailbox]:
    with smtp_server() as (box, port):
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5},
            }
        }
        yield box


@pytest.fixture
def crm() -> Iterator[tuple[WebhookReceiver, str]]:
    receiver = WebhookReceiver()
    with serve(receiver.app()) as base_url:
        yield receiver, f"{base_url}/crm/leads"


@pytest.fixture
def twilio(monkeypatch) -> Iterator[TwilioMessages]:
    cfg = get_settings()
    emulator = TwilioMessages(cfg.twilio_account_sid, cfg.twilio_auth_token)
    with serve(emulator.app()) as base_url:
        monkeypatch.setattr(cfg, "twilio_api_url", base_url)
        yield emulator
