"""The post-call job: one lead, one summary, one notification, whatever is replayed; repeat callers grouped."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from synclead.notifications.models import Delivery, Status
from synclead.postcall.tasks import process_call, write_report
from synclead.web.calls.models import Call
from synclead.web.leads.models import Contact, Lead, Source
from tests.notifications.servers import WebhookReceiver, serve

TENANT = [
    ("agent", "Bonjour, Agence Lumière, que puis-je pour vous ?"),
    ("caller", "Bonjour, je m'appelle Sophie Laurent, je suis locataire et je n'ai plus de chauffage."),
    ("agent", "Je transmets à un conseiller qui va vous rappeler aujourd'hui."),
]


@pytest.fixture
def crm(org) -> Iterator[WebhookReceiver]:
    """The agency's CRM: a real webhook receiver the real notifications post to."""
    receiver = WebhookReceiver()
    with serve(receiver.app()) as base_url:
        org.webhook_url, org.webhook_secret = f"{base_url}/crm/leads", "s3cret"
        org.save()
        yield receiver


@pytest.mark.django_db(transaction=True)
def test_a_test_call_gets_its_report_and_pages_no_one(make_call, crm) -> None:
    call = make_call(TENANT, language="fr")
    Call.objects.filter(pk=call.pk).update(is_test=True)
    assert write_report(call.pk) is True
    lead = Lead.objects.get(call=call)
    assert lead.name == "Sophie Laurent" and Call.objects.get(pk=call.pk).report_ready_at is not None
    assert not Delivery.objects.filter(lead=lead).exists() and not DBTaskResult.objects.exists()
    call_command("db_worker", "--queue-name", "*", "--batch", "--no-startup-delay", verbosity=0)
    assert crm.received == []


@pytest.mark.django_db(transaction=True)  # real commits: the sending is enqueued when the report commits
def test_job_is_idempotent(make_call, crm) -> None:
    call = make_call(TENANT, language="fr")
    assert write_report(call.pk) is True
    call.refresh_from_db()
    ready_at, summary = call.report_ready_at, call.summary
    assert ready_at is not None
    assert summary.startswith("Appelant : Sophie Laurent (+33699887766). Demande : problème de locataire")
    assert "Convenu : « Je transmets à un conseiller" in summary
    lead = Lead.objects.get(call=call)
    assert (lead.name, lead.intent, lead.urgency) == ("Sophie Laurent", "tenant_issue", "high")
    # The delivery committed with the report; sending it is a job of its own, enqueued once.
    [delivery] = Delivery.objects.filter(lead=lead)
    assert delivery.status == Status.PENDING and crm.received == []
    assert process_call.call(call.pk) is False  # a retried job, or a replayed callback's second enqueue
    call.refresh_from_db()
    assert (call.report_ready_at, call.summary) == (ready_at, summary)
    assert Lead.objects.filter(call=call).count() == 1
    [job] = DBTaskResult.objects.all()
    assert job.task_path == "synclead.notifications.tasks.send_deliveries" and job.args_kwargs["args"] == [lead.pk]

    call_command("db_worker", "--queue-name", "*", "--batch", "--no-startup-delay", verbosity=0)

    # The agency hears of the lead once, through its real notification channel, however often the job runs.
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT
    [request] = crm.received
    assert json.loads(request.body)["lead"]["phone"] == "+33699887766"
    assert process_call.call(call.pk) is False
    call_command("db_worker", "--queue-name", "*", "--batch", "--no-startup-delay", verbosity=0)
    assert len(crm.received) == 1


def test_lead_is_made_when_finish_call_made_none(make_call) -> None:
    call = make_call(TENANT, language="fr", lead=False)
    write_report(call.pk)
    assert Lead.objects.get(call=call).intent == "tenant_issue"


def test_repeat_caller_is_one_contact(make_call, org) -> None:
    first = make_call(TENANT, language="fr")
    second = make_call([("caller", "C'est encore Sophie Laurent, le chauffage marche toujours pas.")], language="fr")
    other = make_call(TENANT, language="fr", from_number="+33611111111")
    for call in (first, second, other):
        write_report(call.pk)
    contact = Contact.objects.get(organization=org, phone="+33699887766")
    assert contact.name == "Sophie Laurent"
    assert sorted(contact.leads.values_list("call_id", flat=True)) == [first.pk, second.pk]
    assert Contact.objects.filter(organization=org).count() == 2


def test_voicemail_becomes_a_lead_with_the_caller_id(make_call, org) -> None:
    call = make_call([], from_number="+33699887766", lead=False)
    Call.objects.filter(pk=call.pk).update(recording_url="https://api.twilio.test/rec/RE1", recording_duration_s=12)
    Lead.objects.create(call=call, organization=org, source=Source.VOICEMAIL, phone="+33699887766", details="")
    assert write_report(call.pk)
    call.refresh_from_db()
    assert call.summary == "Voicemail (12 s) from +33699887766: listen to the recording."
    assert call.lead.phone == "+33699887766" and call.lead.contact.phone == "+33699887766"


def test_enqueued_after_finish_call_commits(db, make_call, django_capture_on_commit_callbacks) -> None:
    from synclead.engine.ports import CallOutcome
    from synclead.gateway.recorder import finish_call

    call = make_call(TENANT, language="fr", lead=False)
    Call.objects.filter(pk=call.pk).update(end_reason="")
    with django_capture_on_commit_callbacks(execute=True):
        finish_call(call.call_sid, CallOutcome(reason="caller_hung_up", summary="", lead={}), 9000, {})
    job = DBTaskResult.objects.get()
    assert job.task_path == "synclead.postcall.tasks.process_call" and job.args_kwargs["args"] == [call.pk]
