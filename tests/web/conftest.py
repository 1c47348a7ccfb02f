"""Two agencies with a member each, and a way to give them calls as the engine would have recorded them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from synclead.web.calls.models import Call, Role, Utterance
from synclead.web.leads.models import Lead
from synclead.web.organizations.models import Organization, PhoneNumber

PASSWORD = "correct horse battery staple"

MakeCall = Callable[..., Call]


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def org_a(db) -> Organization:
    organization = Organization.objects.create(slug="agence-lumiere", name="Agence Lumière")
    PhoneNumber.objects.create(number="+33142685300", organization=organization)
    return organization


@pytest.fixture
def org_b(db) -> Organization:
    return Organization.objects.create(slug="maison-rivage", name="Maison Rivage")


@pytest.fixture
def user_a(django_user_model, org_a):
    user = django_user_model.objects.create_user("alice", "alice@lumiere.example", PASSWORD)
    org_a.members.add(user)
    return user


@pytest.fixture
def client_a(client, user_a):
    client.force_login(user_a)
    return client


@pytest.fixture
def make_call(db) -> MakeCall:
    """A finished call with a short conversation and, unless told otherwise, the lead taken from it."""
    counter = iter(range(1, 10_000))

    def make(
        organization: Organization,
        *,
        sid: str | None = None,
        started_at: datetime | None = None,
        from_number: str = "+33612345678",
        lead: bool = True,
        lead_name: str = "Camille Durand",
        utterances: list[tuple[str, str, int, int, bool]] | None = None,
    ) -> Call:
        n = next(counter)
        call = Call.objects.create(
            call_sid=sid or f"CA{organization.pk:04d}{n:028d}",
            organization=organization,
            from_number=from_number,
            to_number="+33142685300",
            status="completed",
            end_reason="caller_hung_up",
            duration_s=95.4,
            summary="Wants to visit the flat on rue Oberkampf on Saturday.",
        )
        # started_at is auto_now_add, so a chosen time can only be written after the row exists.
        when = started_at or timezone.now() - timedelta(minutes=n)
        Call.objects.filter(pk=call.pk).update(started_at=when, ended_at=when + timedelta(seconds=95))
        call.refresh_from_db()
        for role, text, start_ms, end_ms, interrupted in DEFAULT_CONVERSATION if utterances is None else utterances:
            Utterance.objects.create(
                call=call, role=role, text=text, start_ms=start_ms, end_ms=end_ms, interrupted=interrupted
            )
        if lead:
            Lead.objects.create(
                call=call,
                organization=organization,
                name=lead_name,
                phone=from_number,
                email="camille@example.com",
                intent="visit",
                urgency="high",
                details="Three-room flat, rue Oberkampf. Free on Saturday morning.",
            )
        return call

    return make


DEFAULT_CONVERSATION: list[tuple[str, str, int, int, bool]] = [
    (Role.AGENT, "Hello, Agence Lumière, how can I help?", 0, 2_400, False),
    (Role.CALLER, "Hi, I saw the flat on rue Oberkampf and I'd like to visit it.", 2_900, 6_100, False),
    (Role.AGENT, "Of course. Could I have your name so that an advisor can", 6_600, 9_000, True),
    (Role.CALLER, "Camille Durand, and Saturday morning suits me.", 8_800, 12_300, False),
    (Role.AGENT, "Thank you Camille, an advisor will call you back today to confirm.", 72_500, 76_000, False),
]


@pytest.fixture
def page():
    """A Chromium page (for the tests marked `browser`)."""
    from playwright.sync_api import sync_playwright

    from tests.web.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()
