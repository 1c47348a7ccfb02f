"""Lead notifications against a real SMTP server, a webhook receiver and a Twilio Messages emulator.

Each test notifies as the post-call job does: the deliveries planned in the lead's transaction, sent once it has
committed (`notify` below); `test_outbox.py` and `test_call_notifies.py` do it through the running processes.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from synclead.notifications import tasks
from synclead.notifications.models import Channel, Delivery, Status
from synclead.notifications.notify import Clock, plan_deliveries, retry_due_deliveries, send_deliveries
from synclead.web.leads.models import Lead

from .conftest import AGENCY_NUMBER

SECRET = "s3cr3t-crm-key"


def notify(lead: Lead, clock: Clock = timezone.now) -> None:
    """As `write_report` does it: plan inside the lead's transaction, send after it commits."""
    with transaction.atomic():
        plan_deliveries(lead, clock=clock)
    send_deliveries(lead.pk, clock=clock)


def _webhook_on(organization, url: str) -> None:
    organization.webhook_url, organization.webhook_secret = url, SECRET
    organization.notify_email = False
    organization.save()


def test_email_reaches_the_advisors_in_the_agency_language(lead, mailbox, clock):
    notify(lead, clock)

    assert mailbox.recipients == [["alice@lumiere.example"]]
    message = mailbox.messages[0]
    assert message["Subject"] == "Nouveau contact : Jean Dupont (location, urgence haute)"
    body = message.get_content()
    assert "Appelant: Jean Dupont" in body
    assert "Numéro: +33612345678" in body
    assert "Demande: location" in body
    assert "Urgence: haute" in body
    assert "cherche un T3 à louer à Lyon" in body
    assert f"https://synclead.test/calls/{lead.call.call_sid}/" in body
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.attempts) == (Channel.EMAIL, Status.SENT, 1)
    assert delivery.sent_at == clock.now


def test_email_in_english_for_an_english_agency(lead, mailbox, clock):
    lead.organization.language = "en"
    lead.organization.save()
    notify(lead, clock)
    assert mailbox.messages[0]["Subject"] == "New lead: Jean Dupont (rent, high urgency)"


def test_webhook_is_signed_over_the_raw_body(lead, crm, clock):
    receiver, url = crm
    _webhook_on(lead.organization, url)

    notify(lead, clock)

    [request] = receiver.received
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-synclead-signature"] == f"sha256={expected}"
    delivery = Delivery.objects.get()
    assert request.headers["x-synclead-delivery"] == str(delivery.pk)
    assert request.headers["content-type"] == "application/json"
    payload = json.loads(request.body)
    assert payload["event"] == "lead.created"
    assert payload["lead"]["name"] == "Jean Dupont"
    assert payload["lead"]["intent"] == "rent"
    assert payload["lead"]["qualification"]["area"] == "Lyon"
    assert payload["call"]["sid"] == lead.call.call_sid
    assert payload["call"]["summary"].startswith("Jean Dupont cherche")
    assert delivery.status == Status.SENT


def test_webhook_failures_are_retried_with_back_off(lead, crm, clock):
    receiver, url = crm
    receiver.statuses = [500, 500]
    _webhook_on(lead.organization, url)

    notify(lead, clock)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
    assert "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at == clock.now.replace(minute=31)

    clock.advance(seconds=59)
    assert retry_due_deliveries(clock=clock) == 0  # not due yet
    clock.advance(seconds=1)
    assert retry_due_deliveries(clock=clock) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 2)
    assert delivery.next_attempt_at == clock.now.replace(minute=36)

    clock.advance(minutes=5)
    assert retry_due_deliveries(clock=clock) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (Status.SENT, 3, clock.now)
    assert [entry["ok"] for entry in delivery.log] == [False, False, True]
    assert delivery.log[-1]["detail"] == "HTTP 200"
    # Every retry carries the same delivery id, so the CRM can tell a retry from a new lead.
    assert {request.headers["x-synclead-delivery"] for request in receiver.received} == {str(delivery.pk)}
    assert len(receiver.received) == 3


def test_webhook_is_given_up_after_the_last_back_off(lead, crm, clock):
    receiver, url = crm
    receiver.statuses = [503] * 10
    _webhook_on(lead.organization, url)

    notify(lead, clock)
    for _ in range(6):
        clock.advance(hours=3)
        retry_due_deliveries(clock=clock)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 5)
    assert len(receiver.received) == 5


def test_sms_goes_through_twilio_from_the_agency_number(lead, twilio, clock):
    lead.organization.notify_email, lead.organization.notify_sms = False, "+33698765432"
    lead.organization.save()

    notify(lead, clock)

    [sms] = twilio.sent
    assert sms["To"] == "+33698765432"
    assert sms["From"] == AGENCY_NUMBER
    assert sms["Body"].startswith("Nouveau contact : Jean Dupont +33612345678, location, urgence haute.")
    assert sms["Body"].endswith(f"https://synclead.test/calls/{lead.call.call_sid}/")
    delivery = Delivery.objects.get()
    assert delivery.status == Status.SENT
    assert delivery.log[0]["detail"].startswith("message SM")


def test_notifying_twice_sends_each_message_once(lead, mailbox, crm, twilio, clock):
    receiver, url = crm
    org = lead.organization
    org.webhook_url, org.webhook_secret, org.notify_sms = url, SECRET, "+33698765432"
    org.save()

    notify(lead, clock)
    clock.advance(hours=3)  # even long after, when a retry would be due
    notify(lead, clock)
    retry_due_deliveries(clock=clock)

    assert len(mailbox.messages) == 1
    assert len(receiver.received) == 1
    assert len(twilio.sent) == 1
    assert sorted(Delivery.objects.values_list("channel", "status")) == [
        (Channel.EMAIL, Status.SENT),
        (Channel.SMS, Status.SENT),
        (Channel.WEBHOOK, Status.SENT),
    ]


def test_switched_off_sends_nothing(lead, clock):
    lead.organization.notify_email = False
    lead.organization.save()

    notify(lead, clock)

    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_a_lead_erased_before_its_deliveries_are_sent_is_not_an_error(lead, mailbox, clock):
    with transaction.atomic():
        plan_deliveries(lead, clock=clock)
    lead_id = lead.pk
    lead.delete()  # `synclead erase` ran between the report's commit and the sending job

    assert send_deliveries(lead_id, clock=clock) == 0
    assert mailbox.messages == []
    assert not Delivery.objects.exists()


def test_planned_deliveries_commit_with_the_lead_and_send_nothing(lead, mailbox, clock):
    with pytest.raises(RuntimeError), transaction.atomic():
        plan_deliveries(lead, clock=clock)
        raise RuntimeError("the report could not be written")
    assert not Delivery.objects.exists()  # rolled back with the report: no message about a lead that isn't there

    with transaction.atomic():
        planned = plan_deliveries(lead, clock=clock)
        assert plan_deliveries(lead, clock=clock) == planned  # planning again adds nothing
    assert [(d.channel, d.target, d.status, d.next_attempt_at) for d in planned] == [
        (Channel.EMAIL, "alice@lumiere.example", Status.PENDING, clock.now)
    ]
    assert mailbox.messages == []


def test_the_sending_job_sends_what_was_planned_once(lead, mailbox):
    with transaction.atomic():
        plan_deliveries(lead)

    assert tasks.send_deliveries.call(lead.pk) == 1
    assert tasks.send_deliveries.call(lead.pk) == 0  # a retried job finds nothing left to send
    assert mailbox.recipients == [["alice@lumiere.example"]]
    assert Delivery.objects.get().status == Status.SENT


def test_deliveries_nobody_sent_are_sent_by_the_retry(lead, crm, mailbox, clock):
    receiver, url = crm
    _webhook_on(lead.organization, url)
    with transaction.atomic():
        plan_deliveries(lead, clock=clock)
    # The process that committed them stopped before sending: they are due at once, for the next retry.
    assert retry_due_deliveries(clock=clock) == 1
    assert retry_due_deliveries(clock=clock) == 0
    assert len(receiver.received) == 1
    assert Delivery.objects.get().status == Status.SENT


def test_an_unexpected_answer_is_a_failed_attempt_retried_later(lead, twilio, clock):
    lead.organization.notify_email, lead.organization.notify_sms = False, "+33698765432"
    lead.organization.save()
    twilio.garbled = ["<html>Bad gateway</html>"]  # accepted, but not Twilio's JSON

    notify(lead, clock)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
    assert delivery.last_error.startswith("sms: JSONDecodeError")
    assert delivery.next_attempt_at == clock.now.replace(minute=31)  # backed off, not held for the claim
    clock.advance(minutes=1)
    assert retry_due_deliveries(clock=clock) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SENT, 2)


def test_retry_command_sends_due_deliveries(lead, crm, capsys):
    receiver, url = crm
    receiver.statuses = [500]
    _webhook_on(lead.organization, url)
    notify(lead)
    Delivery.objects.update(next_attempt_at=Delivery.objects.get().created_at)  # the back-off has run out

    call_command("notifications", "retry")

    assert "1 deliveries attempted" in capsys.readouterr().out
    assert Delivery.objects.get().status == Status.SENT
    assert len(receiver.received) == 2


def test_admin_shows_deliveries_read_only(lead, admin_client, clock):
    lead.organization.notify_email = True
    lead.organization.save()
    notify(lead, clock)  # the test settings' mailer keeps the email in memory
    delivery = Delivery.objects.get()

    assert admin_client.get("/admin/notifications/delivery/").status_code == 200
    page = admin_client.get(f"/admin/notifications/delivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content  # shown, not editable
    assert admin_client.get("/admin/notifications/delivery/add/").status_code == 403
    assert len(mail.outbox) == 1
