"""The settings page through Django's test client: what an owner may change and how a bad value is refused, what
an advisor sees, what another agency's owner gets, and the test buttons that really send."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core import mail
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from synclead.config import get_settings
from synclead.web.audit.models import Action, AuditEvent
from synclead.web.dashboard.settings_forms import voice_fields
from synclead.web.organizations.models import Organization, Role
from tests.notifications.servers import TwilioMessages, WebhookReceiver, serve


def settings_url(organization: Organization) -> str:
    return reverse("dashboard:organization_settings", args=[organization.slug])


def text_of(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def form_data(organization: Organization, **changes: str) -> dict[str, str]:
    """What the page posts when the owner changes nothing but `changes`."""
    data = {
        "name": organization.name,
        "language": organization.language,
        "timezone": organization.timezone,
        "facts": organization.facts,
        "greeting": organization.greeting,
        "persona": organization.persona,
        "instructions": organization.instructions,
        "llm": organization.llm,
        "llm_model": organization.llm_model,
        "stt": organization.stt,
        "staff_number": organization.staff_number,
        "max_concurrent_calls": str(organization.max_concurrent_calls),
        "webhook_url": organization.webhook_url,
        "webhook_secret": "",
        "notify_sms": organization.notify_sms,
        "retention_days": str(organization.retention_days),
        **{f"hours_{day}": "" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    }
    if organization.notify_email:
        data["notify_email"] = "on"
    for name in voice_fields():
        data[name] = getattr(organization, name)
    return data | changes


def client_for(django_user_model, organization: Organization, username: str, role: str) -> Client:
    user = django_user_model.objects.create_user(username, f"{username}@example.com", "x")
    organization.members.add(user, through_defaults={"role": role})
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_a(django_user_model, org_a) -> Client:
    return client_for(django_user_model, org_a, "odile", Role.OWNER)


@pytest.fixture
def advisor_a(django_user_model, org_a) -> Client:
    return client_for(django_user_model, org_a, "adrien", Role.ADVISOR)


def test_an_owner_changes_settings_and_the_audit_log_says_who_and_what(owner_a, org_a):
    data = form_data(
        org_a,
        greeting="Agence Lumière, bonjour !",
        staff_number="+33 6 12 34 56 78",
        hours_mon="9:00-12:30, 14h-19h",
        hours_sat="10:00-17:00",
        max_concurrent_calls="5",
    )
    response = owner_a.post(settings_url(org_a), data, follow=True)
    assert response.redirect_chain, response.context["form"].errors
    assert "Saved. The next call follows the new settings." in text_of(response)
    org_a.refresh_from_db()
    assert org_a.greeting == "Agence Lumière, bonjour !"
    assert org_a.staff_number == "+33612345678"  # typed with spaces, stored in E.164
    assert org_a.business_hours == {"mon": [["09:00", "12:30"], ["14:00", "19:00"]], "sat": [["10:00", "17:00"]]}
    assert org_a.max_concurrent_calls == 5
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert event.actor == "odile" and event.organization == org_a
    assert event.detail == "changed greeting, staff_number, max_concurrent_calls, business_hours"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours_tue", "9 to 5", "“9 to 5” is not an interval such as 09:00-12:30"),
        ("hours_wed", "19:00-09:00", "19:00-09:00 ends before it starts"),
        ("hours_thu", "25:00-26:00", "25:00 is not a time of day"),
        ("timezone", "Paris", "'Paris' is not a time zone name such as Europe/Paris."),
        ("staff_number", "+33 1 23", "not a valid phone number"),
        ("notify_sms", "06 12 34 56 78", "not a phone number in international form"),
        ("webhook_url", "http://crm.example/leads", "Use an https:// URL"),
        ("retention_days", "0", "greater than or equal to 1"),
        ("max_concurrent_calls", "-1", "greater than or equal to 0"),
        ("llm", "gpt", "Select a valid choice."),
        ("name", "", "This field is required."),
    ],
)
def test_a_bad_value_is_refused_with_a_message_at_its_field_and_nothing_is_saved(owner_a, org_a, field, value, message):
    before = Organization.objects.get(pk=org_a.pk)
    data = form_data(org_a, greeting="Changed along with the bad value", **{field: value})
    response = owner_a.post(settings_url(org_a), data)
    assert response.status_code == 200
    page = response.content.decode()
    errors = [str(error) for error in response.context["form"].errors.get(field, [])]
    assert any(message in error for error in errors), errors
    assert 'class="field__error"' in page and "Nothing was saved" in text_of(response)
    assert model_to_dict(Organization.objects.get(pk=org_a.pk)) == model_to_dict(before)
    assert not AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED).exists()


def test_the_webhook_secret_is_never_shown_and_an_empty_box_keeps_it(owner_a, org_a):
    org_a.webhook_secret = "s3cret-value-for-hmac"
    org_a.save()
    page = owner_a.get(settings_url(org_a)).content.decode()
    assert "s3cret-value-for-hmac" not in page and "set (21 chars)" in page
    owner_a.post(settings_url(org_a), form_data(org_a, name="Lumière"))
    org_a.refresh_from_db()
    assert org_a.webhook_secret == "s3cret-value-for-hmac" and org_a.name == "Lumière"
    owner_a.post(settings_url(org_a), form_data(org_a, clear_webhook_secret="on"))
    org_a.refresh_from_db()
    assert org_a.webhook_secret == ""
    # What changed is named, the secret itself never.
    assert AuditEvent.objects.filter(detail="changed webhook_secret").exists()


def test_an_advisor_reads_the_settings_without_a_control_and_cannot_post(advisor_a, org_a):
    org_a.business_hours = {"mon": [["09:00", "19:00"]]}
    org_a.webhook_secret = "s3cret-value-for-hmac"
    org_a.save()
    response = advisor_a.get(settings_url(org_a))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<form" not in page.split('<main id="main"', 1)[1]  # not a single control in the page's body
    assert "09:00-19:00" in page and "Only the organization's owners change these settings." in text_of(response)
    assert "s3cret-value-for-hmac" not in page
    refused = advisor_a.post(settings_url(org_a), form_data(org_a, name="Taken over"))
    assert refused.status_code == 403
    org_a.refresh_from_db()
    assert org_a.name == "Agence Lumière"
    assert advisor_a.post(reverse("dashboard:send_test_notification", args=[org_a.slug, "email"])).status_code == 403


def test_the_owner_of_another_agency_gets_a_404_on_every_settings_and_members_url(django_user_model, org_a, org_b):
    owner_b = client_for(django_user_model, org_b, "bruno", Role.OWNER)
    for name, args in [
        ("organization_settings", [org_a.slug]),
        ("members", [org_a.slug]),
    ]:
        assert owner_b.get(reverse(f"dashboard:{name}", args=args)).status_code == 404
    for name, args in [
        ("organization_settings", [org_a.slug]),
        ("send_test_notification", [org_a.slug, "webhook"]),
        ("invite_member", [org_a.slug]),
        ("change_role", [org_a.slug, 1]),
        ("remove_member", [org_a.slug, 1]),
        ("revoke_invitation", [org_a.slug, 1]),
    ]:
        assert owner_b.post(reverse(f"dashboard:{name}", args=args), {"name": "x"}).status_code == 404, name
    org_a.refresh_from_db()
    assert org_a.name == "Agence Lumière"
    assert owner_b.get(reverse("dashboard:organization_settings", args=[org_b.slug])).status_code == 200


def test_settings_index_goes_straight_to_the_only_organization(owner_a, org_a):
    response = owner_a.get(reverse("dashboard:settings_index"))
    assert response.status_code == 302 and response["Location"] == settings_url(org_a)


# --- Send a test -------------------------------------------------------------------------------------------------


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


def send_test(client: Client, organization: Organization, channel: str) -> str:
    response = client.post(reverse("dashboard:send_test_notification", args=[organization.slug, channel]), follow=True)
    assert response.status_code == 200
    return text_of(response)


def test_the_email_test_reaches_the_owner_through_the_mail_backend(owner_a, org_a):
    page = send_test(owner_a, org_a, "email")
    assert "Email test sent: accepted by the mail server." in page
    assert [message.to for message in mail.outbox] == [["odile@example.com"]]
    assert "A test message sent from the settings page" in mail.outbox[0].body
    assert AuditEvent.objects.get(action=Action.TEST_SENT).detail == "email: accepted by the mail server"


def test_the_webhook_test_is_signed_and_marked_as_a_test(owner_a, org_a, crm):
    from synclead.notifications.channels import sign

    receiver, url = crm
    org_a.webhook_url, org_a.webhook_secret = url, "hmac-key"
    org_a.save()
    assert "Webhook test sent: HTTP 200." in send_test(owner_a, org_a, "webhook")
    (received,) = receiver.received
    assert received.headers["x-synclead-signature"] == sign(received.body, "hmac-key")
    assert b'"event": "test"' in received.body and received.headers["x-synclead-delivery"] == "test"
    receiver.statuses.append(500)
    assert "Webhook test not sent: webhook: HTTP 500" in send_test(owner_a, org_a, "webhook")


def test_the_sms_test_goes_through_twilio_and_a_missing_number_is_said(owner_a, org_a, twilio):
    assert "SMS test not sent: No mobile number for text messages is saved." in send_test(owner_a, org_a, "sms")
    org_a.notify_sms = "+33612345678"
    org_a.save()
    page = send_test(owner_a, org_a, "sms")
    assert "SMS test sent: message SM" in page
    (sent,) = twilio.sent
    assert sent["To"] == "+33612345678" and sent["From"] == "+33142685300"
