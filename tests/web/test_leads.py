"""The lead inbox and a lead's page: only one's own agency, filters and search, the follow-up workflow."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from synclead.web.calls.models import Utterance
from synclead.web.leads.models import Contact, FollowUp, Lead

INBOX = reverse("dashboard:lead_inbox")


def lead_of(call) -> Lead:
    return Lead.objects.get(call=call)


def names(response) -> list[str]:
    return [lead.name for lead in response.context["page"].object_list]


@pytest.fixture
def user_b(django_user_model, org_b, password):
    user = django_user_model.objects.create_user("bruno", "bruno@rivage.example", password)
    org_b.members.add(user)
    return user


def test_the_inbox_shows_only_the_users_organizations_newest_first(client_a, org_a, org_b, make_call):
    make_call(org_a, lead_name="Older")
    make_call(org_a, lead_name="Newer")  # created later
    make_call(org_b, lead_name="Other agency")
    response = client_a.get(INBOX)
    assert response.status_code == 200
    assert names(response) == ["Newer", "Older"]
    assert "Other agency" not in response.content.decode()
    assert "+33 6 12 34 56 78" in response.content.decode()


def test_another_agencys_slug_and_lead_are_404(client_a, org_b, make_call):
    other = lead_of(make_call(org_b))
    assert client_a.get(INBOX, {"org": org_b.slug}).status_code == 404
    assert client_a.get(reverse("dashboard:lead_detail", args=[other.pk])).status_code == 404
    response = client_a.post(reverse("dashboard:lead_detail", args=[other.pk]), {"follow_up": "spam"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.follow_up == FollowUp.NEW


def test_the_inbox_needs_a_login(client):
    assert client.get(INBOX).status_code == 302


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"urgency": "low"}, ["Lou Low"]),
        ({"status": "closed"}, ["Cleo Closed"]),
        ({"intent": "sell"}, ["Sam Seller"]),
        ({"assignee": "mine"}, ["Mia Mine"]),
        ({"q": "lou"}, ["Lou Low"]),
        ({"q": "06 99 88 77 66"}, ["Sam Seller"]),
        ({"q": "+33699887766"}, ["Sam Seller"]),
        ({"q": "garden"}, ["Cleo Closed"]),  # details
        ({"q": "Oberkampf"}, ["Sam Seller", "Mia Mine", "Lou Low", "Cleo Closed"]),  # the call's summary
        ({"urgency": "bogus"}, ["Sam Seller", "Mia Mine", "Lou Low", "Cleo Closed"]),  # ignored, not an error
    ],
)
def test_filters_and_search(client_a, user_a, org_a, make_call, query, expected):
    Lead.objects.filter(pk=lead_of(make_call(org_a, lead_name="Cleo Closed")).pk).update(
        follow_up=FollowUp.CLOSED, details="A house with a garden."
    )
    Lead.objects.filter(pk=lead_of(make_call(org_a, lead_name="Lou Low")).pk).update(urgency="low")
    Lead.objects.filter(pk=lead_of(make_call(org_a, lead_name="Mia Mine")).pk).update(assignee=user_a)
    Lead.objects.filter(pk=lead_of(make_call(org_a, lead_name="Sam Seller", from_number="+33699887766")).pk).update(
        intent="sell"
    )
    assert names(client_a.get(INBOX, query)) == expected


def test_the_inbox_pages_and_its_query_count_does_not_grow_with_leads(client_a, user_a, org_a, make_call):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client_a.get(INBOX).status_code == 200
        return len(captured)

    lead = lead_of(make_call(org_a, utterances=[]))
    Lead.objects.filter(pk=lead.pk).update(assignee=user_a, due_at=datetime(2025, 6, 2, 16, tzinfo=UTC))
    few = queries()
    for _ in range(5):
        Lead.objects.filter(pk=lead_of(make_call(org_a, utterances=[])).pk).update(assignee=user_a)
    assert queries() == few


def test_the_nav_badge_counts_new_leads_of_the_users_organizations(client_a, org_a, org_b, make_call):
    make_call(org_a)
    make_call(org_a)
    done = lead_of(make_call(org_a))
    Lead.objects.filter(pk=done.pk).update(follow_up=FollowUp.CLOSED)
    make_call(org_b)
    html = client_a.get(reverse("dashboard:call_list")).content.decode()
    assert 'data-testid="new-leads">2<' in html


def test_assigning_a_new_lead_marks_it_assigned(client_a, user_a, org_a, make_call):
    lead = lead_of(make_call(org_a))
    url = reverse("dashboard:lead_detail", args=[lead.pk])
    response = client_a.post(url, {"follow_up": "new", "assignee": user_a.pk, "notes": "Call after 6pm", "due_at": ""})
    assert response.status_code == 302 and response.url == url
    lead.refresh_from_db()
    assert (lead.follow_up, lead.assignee, lead.notes) == (FollowUp.ASSIGNED, user_a, "Call after 6pm")
    assert "Lead updated: assigned." in client_a.get(url).content.decode()


def test_the_due_time_is_the_organizations_local_time(client_a, user_a, org_a, make_call):
    org_a.timezone = "America/New_York"
    org_a.save()
    lead = lead_of(make_call(org_a))
    url = reverse("dashboard:lead_detail", args=[lead.pk])
    form = {"follow_up": "assigned", "assignee": user_a.pk, "due_at": "2025-06-02T18:00"}
    client_a.post(url, form)
    lead.refresh_from_db()
    assert lead.due_at == datetime(2025, 6, 2, 22, tzinfo=UTC)
    assert 'value="2025-06-02T18:00"' in client_a.get(url).content.decode()


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        (FollowUp.ASSIGNED, FollowUp.CALLED_BACK, True),
        (FollowUp.CALLED_BACK, FollowUp.CLOSED, True),
        (FollowUp.NEW, FollowUp.SPAM, True),
        (FollowUp.CLOSED, FollowUp.ASSIGNED, True),
        (FollowUp.CLOSED, FollowUp.NEW, False),
        (FollowUp.SPAM, FollowUp.CALLED_BACK, False),
        (FollowUp.CALLED_BACK, FollowUp.NEW, False),
    ],
)
def test_status_transitions(client_a, user_a, org_a, make_call, before, after, allowed):
    lead = lead_of(make_call(org_a))
    Lead.objects.filter(pk=lead.pk).update(follow_up=before, assignee=user_a)
    response = client_a.post(
        reverse("dashboard:lead_detail", args=[lead.pk]), {"follow_up": after, "assignee": user_a.pk}
    )
    lead.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert lead.follow_up == after
    else:
        assert response.status_code == 200
        assert "cannot go from" in response.content.decode()
        assert lead.follow_up == before


def test_assigned_needs_someone(client_a, org_a, make_call):
    lead = lead_of(make_call(org_a))
    response = client_a.post(reverse("dashboard:lead_detail", args=[lead.pk]), {"follow_up": "assigned"})
    assert "Choose who follows this lead up." in response.content.decode()
    lead.refresh_from_db()
    assert lead.follow_up == FollowUp.NEW


def test_another_agencys_member_cannot_be_assigned(client_a, user_b, org_a, make_call):
    lead = lead_of(make_call(org_a))
    url = reverse("dashboard:lead_detail", args=[lead.pk])
    page = client_a.get(url).content.decode()
    assert "alice" in page and "bruno" not in page
    response = client_a.post(url, {"follow_up": "assigned", "assignee": user_b.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    lead.refresh_from_db()
    assert lead.assignee is None


def test_the_post_needs_a_csrf_token(user_a, org_a, make_call):
    from django.test import Client

    lead = lead_of(make_call(org_a))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_a)
    response = client.post(reverse("dashboard:lead_detail", args=[lead.pk]), {"follow_up": "spam"})
    assert response.status_code == 403


def test_the_callers_history_lists_their_other_calls_in_this_agency_only(client_a, org_a, org_b, make_call):
    first, second, elsewhere = make_call(org_a), make_call(org_a), make_call(org_b)
    make_call(org_a, from_number="+33600000000")  # someone else
    contact = Contact.objects.create(organization=org_a, phone="+33612345678")
    other_contact = Contact.objects.create(organization=org_b, phone="+33612345678")
    Lead.objects.filter(call__in=[first, second]).update(contact=contact)
    Lead.objects.filter(call=elsewhere).update(contact=other_contact)
    response = client_a.get(reverse("dashboard:lead_detail", args=[lead_of(second).pk]))
    assert [call.call_sid for call in response.context["history"]] == [first.call_sid]
    assert reverse("dashboard:call_detail", args=[first.call_sid]) in response.content.decode()


def test_the_call_page_links_each_field_to_its_utterance(client_a, org_a, make_call):
    call = make_call(org_a)
    said = Utterance.objects.filter(call=call, text__startswith="Camille").get()
    Lead.objects.filter(call=call).update(
        evidence={"name": {"confidence": 0.92, "utterance": said.pk}, "area": {"confidence": 0.7, "utterance": "x"}},
        qualification={"kind": "rent", "area": "Paris 11e", "viewing_wanted": True, "budget": None},
    )
    html = client_a.get(reverse("dashboard:call_detail", args=[call.call_sid])).content.decode()
    assert f'id="u-{said.pk}"' in html
    assert f'href="#u-{said.pk}"' in html and "92\u202f%" in html
    assert "Paris 11e" in html and "Viewing wanted" in html and "Budget" not in html
    assert "70\u202f%" in html  # a bad utterance id loses the link, not the confidence
    assert reverse("dashboard:lead_detail", args=[lead_of(call).pk]) in html
