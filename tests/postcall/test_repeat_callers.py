"""Repeat callers, through the post-call job: a number calling again and again is one lead, flagged, and no call lost.

The calls are as the engine leaves them (rows, transcripts, the lead `finish_call` made); `write_report` is the job
the worker runs after each.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from synclead.notifications.models import Delivery
from synclead.postcall.repeats import REPEAT_CALLS, REPEAT_WINDOW
from synclead.postcall.tasks import write_report
from synclead.web.calls.models import Call
from synclead.web.leads.models import Contact, FollowUp, Lead, Urgency
from synclead.web.organizations.models import Organization

FLOOD = "+33699887766"
OTHER = "+33611111111"
START = timezone.now() - timedelta(hours=1)


def said(text: str) -> list[tuple[str, str]]:
    return [("agent", "Bonjour, Agence Lumière, que puis-je pour vous ?"), ("caller", text)]


@pytest.fixture
def at(make_call):
    """A call from `number` that started `seconds` after START."""

    def make(seconds: float, number: str = FLOOD, text: str = "Bonjour, je voudrais louer un appartement.") -> Call:
        call = make_call(said(text), language="fr", from_number=number)
        Call.objects.filter(pk=call.pk).update(started_at=START + timedelta(seconds=seconds))
        call.refresh_from_db()
        return call

    return make


@pytest.fixture
def crm(org: Organization) -> Organization:
    """Where each new lead is announced: a delivery per lead, planned by the job."""
    org.webhook_url, org.webhook_secret = "https://crm.example.com/leads", "s3cret"
    org.save()
    return org


def inbox(org: Organization) -> list[Lead]:
    return list(Lead.objects.filter(organization=org).inbox().order_by("created_at", "pk"))


def test_six_calls_in_ten_minutes_are_one_flagged_lead_and_another_caller_has_their_own(at, org, crm, client):
    flood = [at(seconds) for seconds in (0, 90, 180, 270, 360, 450)]  # six calls in 7.5 minutes
    Call.objects.filter(pk=flood[2].pk).update(recording_url="https://api.twilio.com/rec/RE3")
    other = at(100, OTHER, "Bonjour, je voudrais vendre ma maison.")
    for call in [*flood[:2], other, *flood[2:]]:
        assert write_report(call.pk) is True

    flood_lead, other_lead = inbox(org)
    assert flood_lead.call == flood[0] and other_lead.call == other
    # One lead, with all six calls attached; the other number's call stands on its own.
    assert list(flood_lead.calls()) == flood
    assert flood_lead.grouped_calls == 5
    assert list(other_lead.calls()) == [other]
    # The number is flagged; the other is not.
    assert Contact.objects.get(organization=org, phone=FLOOD).repeat_caller is True
    assert Contact.objects.get(organization=org, phone=OTHER).repeat_caller is False
    assert flood_lead.contact.phone == FLOOD

    # Nothing lost: every call keeps its row, transcript, summary, recording and the record of what was said in it.
    for call in flood:
        call.refresh_from_db()
        assert call.report_ready_at is not None and call.summary
        assert call.utterances.filter(role="caller").exists()
        assert Lead.objects.get(call=call).contact == flood_lead.contact
    assert Call.objects.get(pk=flood[2].pk).recording_url == "https://api.twilio.com/rec/RE3"
    assert Lead.objects.filter(grouped_into=flood_lead).count() == 5

    # The agency is told twice, once per lead, not seven times.
    assert sorted(Delivery.objects.values_list("lead_id", flat=True)) == sorted([flood_lead.pk, other_lead.pk])

    # The advisor's inbox: two leads, the repeat caller badged, two new in the nav badge.
    advisor = org.members.create(username="alice")
    client.force_login(advisor)
    response = client.get(reverse("dashboard:lead_inbox"))
    assert [lead.pk for lead in response.context["page"].object_list] == [other_lead.pk, flood_lead.pk]
    page = response.content.decode()
    assert page.count("Repeat caller</span>") == 1 and "6 calls</span>" in page
    assert 'data-testid="new-leads">2<' in page


def test_the_flag_needs_five_calls_in_the_window_but_grouping_starts_at_the_second(at, org):
    calls = [at(seconds) for seconds in range(0, 60 * (REPEAT_CALLS - 1), 60)]  # four calls
    for call in calls:
        write_report(call.pk)
    [lead] = inbox(org)
    assert list(lead.calls()) == calls
    assert lead.contact.repeat_caller is False
    fifth = at(REPEAT_WINDOW.total_seconds() - 1)  # the first call is still inside the fifth's window
    write_report(fifth.pk)
    assert Contact.objects.get(phone=FLOOD).repeat_caller is True
    assert inbox(org) == [lead]


def test_five_calls_spread_wider_than_the_window_are_not_flagged(at, org):
    # Every call within the window of the one before, so they stay one lead, but never five in one window.
    for seconds in (0, 240, 480, 720, 960):
        write_report(at(seconds).pk)
    [lead] = inbox(org)
    assert lead.calls().count() == 5 and lead.contact.repeat_caller is False


def test_a_call_after_the_window_or_after_an_advisor_took_the_lead_opens_a_new_one(at, org):
    first = at(0)
    write_report(first.pk)
    later = at(REPEAT_WINDOW.total_seconds() + 60)
    write_report(later.pk)
    assert [lead.call for lead in inbox(org)] == [first, later]

    # An advisor has the latest lead in hand: a new call may be a new request, and it gets its own lead.
    Lead.objects.filter(call=later).update(follow_up=FollowUp.ASSIGNED)
    again = at(REPEAT_WINDOW.total_seconds() + 120)
    write_report(again.pk)
    assert [lead.call for lead in inbox(org)] == [first, later, again]


def test_jobs_run_out_of_order_still_make_one_lead(at, org):
    calls = [at(seconds) for seconds in (0, 60, 120, 180)]
    for call in reversed(calls):
        write_report(call.pk)
    [lead] = inbox(org)
    assert lead.call == calls[0] and list(lead.calls()) == calls
    # No lead is grouped onto a grouped lead.
    assert not Lead.objects.filter(grouped_into__grouped_into__isnull=False).exists()


def test_calls_without_a_caller_id_are_never_grouped(at, org):
    for seconds in range(0, 360, 60):
        write_report(at(seconds, "anonymous").pk)
    assert len(inbox(org)) == 6
    assert not Contact.objects.filter(repeat_caller=True).exists()


def test_what_a_later_call_adds_fills_the_open_leads_blanks(at, org):
    first = at(0, text="Allô ? Allô ?")
    write_report(first.pk)
    Lead.objects.filter(call=first).update(name="", intent="other", urgency=Urgency.NORMAL)
    second = at(60, text="Bonjour, je m'appelle Sophie Laurent, je suis locataire et je n'ai plus de chauffage.")
    write_report(second.pk)
    [lead] = inbox(org)
    assert lead.call == first
    assert (lead.name, lead.intent, lead.urgency) == ("Sophie Laurent", "tenant_issue", Urgency.HIGH)


def test_a_grouped_calls_job_replayed_changes_nothing(at, org, crm):
    first, second = at(0), at(60)
    write_report(first.pk)
    write_report(second.pk)
    before = list(Lead.objects.order_by("pk").values())
    assert write_report(second.pk) is False
    assert list(Lead.objects.order_by("pk").values()) == before
    assert Delivery.objects.count() == 1


def test_erasing_the_open_lead_keeps_the_other_calls_leads(at, org):
    first, second = at(0), at(60)
    write_report(first.pk)
    write_report(second.pk)
    Lead.objects.filter(call=first).delete()
    # The grouped call's row was never a lost call: it is a lead of its own again.
    assert [lead.call for lead in inbox(org)] == [second]
