"""The calls list's search and filters, combined with the organization filter and the pages; never another agency's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from synclead.web.calls.models import Role
from synclead.web.dashboard.views import CALLS_PER_PAGE
from synclead.web.leads.models import Lead

pytestmark = pytest.mark.django_db

BOILER = [(Role.CALLER, "My boiler is broken and there is no heating.", 2_000, 5_000, False)]


def sids(response) -> list[str]:
    return [call.call_sid for call in response.context["page"].object_list]


def test_search_finds_words_said_names_and_numbers_however_typed(client_a, org_a, org_b, make_call):
    boiler = make_call(org_a, utterances=BOILER, lead_name="Jeanne Martin", from_number="+33698765432")
    other = make_call(org_a)
    make_call(org_b, utterances=BOILER, lead_name="Jeanne Martin", from_number="+33698765432")

    assert sids(client_a.get("/", {"q": "boiler"})) == [boiler.call_sid]
    assert sids(client_a.get("/", {"q": "HEATING"})) == [boiler.call_sid]
    assert sids(client_a.get("/", {"q": "jeanne"})) == [boiler.call_sid]
    assert sids(client_a.get("/", {"q": "06 98 76 54 32"})) == [boiler.call_sid]
    assert sids(client_a.get("/", {"q": "Oberkampf"})) == [other.call_sid]
    nothing = client_a.get("/", {"q": "no such words anywhere"})
    assert sids(nothing) == []
    assert "No call matches these filters" in nothing.text


def test_date_range_intent_status_and_language_combine(client_a, org_a, make_call):
    now = timezone.localtime()
    today = now.date()
    recent = make_call(org_a, started_at=now - timedelta(minutes=5))
    old = make_call(org_a, started_at=now - timedelta(days=10))
    french = make_call(org_a, started_at=now - timedelta(minutes=9))
    french.language = "fr"
    french.status = "no-answer"
    french.save()
    Lead.objects.filter(call=french).update(intent="rent")

    assert sids(client_a.get("/", {"since": str(today - timedelta(days=1))})) == [recent.call_sid, french.call_sid]
    assert sids(client_a.get("/", {"until": str(today - timedelta(days=2))})) == [old.call_sid]
    assert sids(client_a.get("/", {"language": "fr"})) == [french.call_sid]
    assert sids(client_a.get("/", {"status": "no-answer"})) == [french.call_sid]
    assert sids(client_a.get("/", {"intent": "visit"})) == [recent.call_sid, old.call_sid]
    assert sids(client_a.get("/", {"intent": "visit", "since": str(today)})) == [recent.call_sid]


def test_a_bad_filter_is_reported_and_ignored(client_a, org_a, make_call):
    call = make_call(org_a)
    response = client_a.get("/", {"since": "2026-13-45", "language": "xx"})
    assert response.status_code == 200
    assert sids(response) == [call.call_sid]
    assert "Enter a valid date." in response.text
    backwards = client_a.get("/", {"since": "2026-05-02", "until": "2026-05-01"})
    assert "The end of the range is before its start." in backwards.text


def test_filters_keep_the_organization_and_the_pages(client, django_user_model, password, org_a, org_b, make_call):
    user = django_user_model.objects.create_user("both", "both@example.test", password)
    org_a.members.add(user)
    org_b.members.add(user)
    client.force_login(user)
    for _ in range(CALLS_PER_PAGE + 2):
        make_call(org_a, utterances=BOILER)
    make_call(org_b, utterances=BOILER)

    first = client.get("/", {"org": org_a.slug, "q": "boiler"})
    assert first.context["page"].paginator.count == CALLS_PER_PAGE + 2
    # The next page's link keeps every filter.
    assert f"org={org_a.slug}" in first.text and "q=boiler" in first.text and "page=2" in first.text
    second = client.get("/", {"org": org_a.slug, "q": "boiler", "page": 2})
    assert len(sids(second)) == 2
    assert client.get("/", {"q": "boiler"}).context["page"].paginator.count == CALLS_PER_PAGE + 3


def test_search_never_reaches_another_agency(client_a, org_b, make_call):
    make_call(org_b, utterances=BOILER, lead_name="Secret Person")
    assert sids(client_a.get("/", {"q": "boiler"})) == []
    assert sids(client_a.get("/", {"q": "Secret"})) == []
    assert client_a.get("/", {"org": org_b.slug, "q": "boiler"}).status_code == 404
