"""The analytics page's figures and the CSV exports: the range and filters they take, quoting, formula injection,
and never another agency's calls."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from synclead.web.audit.models import AuditEvent
from synclead.web.calls.models import Call
from synclead.web.dashboard.analytics import percentile
from synclead.web.dashboard.exports import cell
from synclead.web.leads.models import FollowUp, Lead, Source

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 2, 10, 0)


def at(days: int, hours: int = 0) -> datetime:
    return timezone.make_aware(MONDAY + timedelta(days=days, hours=hours))


@pytest.fixture
def week(org_a, org_b, make_call) -> dict[str, list[Call]]:
    """A week of org_a's calls: 3 answered (2 on Monday), 1 voicemail, 1 abandoned; and org_b's noise."""
    answered = [
        make_call(org_a, started_at=at(0)),
        make_call(org_a, started_at=at(0, 2)),
        make_call(org_a, started_at=at(3)),
    ]
    voicemail = make_call(org_a, started_at=at(4), utterances=[])
    Lead.objects.filter(call=voicemail).update(source=Source.VOICEMAIL, intent="", name="")
    abandoned = make_call(org_a, started_at=at(5), utterances=[], lead=False)
    french = answered[2]
    Call.objects.filter(pk=french.pk).update(language="fr")
    Lead.objects.filter(call=french).update(intent="rent")
    Call.objects.filter(pk=answered[0].pk).update(
        metrics={
            "turns": [{"latency_ms": 400}, {"latency_ms": 600}, {"latency_ms": 1_000}],
            "provider_errors": [{"provider": "llm", "reason": "timeout"}],
        }
    )
    lead = Lead.objects.get(call=answered[1])
    lead.follow_up = FollowUp.CALLED_BACK
    lead.save()
    Lead.objects.filter(pk=lead.pk).update(created_at=at(0, 2), called_back_at=at(0, 5))
    noise = [make_call(org_b, started_at=at(1)) for _ in range(4)]
    return {"answered": answered, "voicemail": [voicemail], "abandoned": [abandoned], "noise": noise}


RANGE = {"since": "2026-11-02", "until": "2026-11-08"}


def test_the_week_in_figures(client_a, week):
    response = client_a.get("/analytics/", RANGE)
    figures = response.context["figures"]
    assert figures.total == 5
    assert [n for _, n in figures.per_day] == [2, 0, 0, 1, 1, 1, 0]
    assert figures.per_week == [(at(0).date(), 5)]
    assert figures.outcomes == {"answered": 3, "voicemail": 1, "abandoned": 1}
    assert dict(figures.intents) == {"visit": 2, "rent": 1, "": 2}
    assert dict(figures.languages) == {"en": 4, "fr": 1}
    assert dict(figures.lead_statuses)["called_back"] == 1
    assert dict(figures.lead_statuses)["new"] == 3
    assert figures.leads == 4
    assert figures.callback_median_h == 3.0
    assert figures.latency == [(at(0).date(), 3, 600, 1_000)]
    assert figures.calls_with_fallback == 1
    assert figures.fallbacks == [("llm", 1)]
    # The charts say it in words too.
    assert '<svg class="chart"' in response.text
    assert "Answered by the agent: 3" in response.text


def test_filters_narrow_the_figures(client_a, week):
    assert client_a.get("/analytics/", RANGE | {"language": "fr"}).context["figures"].total == 1
    assert client_a.get("/analytics/", RANGE | {"intent": "visit"}).context["figures"].total == 2
    assert client_a.get("/analytics/", {"since": "2026-11-05", "until": "2026-11-05"}).context["figures"].total == 1


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_call_export_matches_the_page_and_is_safe_in_a_spreadsheet(client_a, org_a, week):
    call = week["answered"][0]
    Call.objects.filter(pk=call.pk).update(summary='Wants "the big one", 3 rooms;\nsecond line')
    Lead.objects.filter(call=call).update(name='=HYPERLINK("http://evil")')

    rows = read_csv(client_a.get("/analytics/calls.csv", RANGE))
    header, body = rows[0], rows[1:]
    assert header[0] == "Call"
    assert len(body) == 5
    assert {row[0] for row in body} == {c.call_sid for k in ("answered", "voicemail", "abandoned") for c in week[k]}
    row = next(row for row in body if row[0] == call.call_sid)
    assert row[header.index("Summary")] == 'Wants "the big one", 3 rooms;\nsecond line'
    assert row[header.index("Name")] == '\'=HYPERLINK("http://evil")'
    assert row[header.index("From")] == "'+33612345678"  # a number starting with + is not a formula either
    assert AuditEvent.objects.filter(organization=org_a, action="exported", target="calls").count() == 1

    fr = read_csv(client_a.get("/analytics/calls.csv", RANGE | {"language": "fr"}))
    assert [row[0] for row in fr[1:]] == [week["answered"][2].call_sid]


def test_lead_export_follows_the_same_filters(client_a, week):
    rows = read_csv(client_a.get("/analytics/leads.csv", RANGE))
    header, body = rows[0], rows[1:]
    assert len(body) == 4
    assert sorted(row[header.index("Status")] for row in body) == ["called_back", "new", "new", "new"]
    called_back = next(row for row in body if row[header.index("Status")] == "called_back")
    assert called_back[header.index("Called back")].startswith("2026-11-02T")
    rent = read_csv(client_a.get("/analytics/leads.csv", RANGE | {"intent": "rent"}))
    assert len(rent) == 2


def test_another_agency_sees_none_of_it(client, django_user_model, password, org_b, week):
    user = django_user_model.objects.create_user("bob", "bob@rivage.example", password)
    org_b.members.add(user)
    client.force_login(user)
    assert client.get("/analytics/", RANGE).context["figures"].total == 4
    rows = read_csv(client.get("/analytics/calls.csv", RANGE))
    assert {row[0] for row in rows[1:]} == {call.call_sid for call in week["noise"]}
    assert len(read_csv(client.get("/analytics/leads.csv", RANGE))) == 5
    assert client.get("/analytics/", RANGE | {"org": "agence-lumiere"}).status_code == 404
    assert client.get("/analytics/calls.csv", RANGE | {"org": "agence-lumiere"}).status_code == 404


def test_anonymous_is_sent_to_log_in(client):
    assert client.get("/analytics/calls.csv").status_code == 302


@pytest.mark.parametrize(
    ("value", "written"),
    [("=1+2", "'=1+2"), ("+33 6", "'+33 6"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=x", "'\t=x"),
     ("Agence Lumière", "Agence Lumière"), ("a=b", "a=b"), (None, ""), (95.4, "95.4")],
)  # fmt: skip
def test_cells_that_a_spreadsheet_would_run_are_written_as_text(value, written):
    assert cell(value) == written


def test_marking_a_lead_called_back_records_when_once(org_a, make_call):
    lead = Lead.objects.get(call=make_call(org_a))
    assert lead.called_back_at is None
    lead.follow_up = FollowUp.CALLED_BACK
    lead.save(update_fields=["follow_up"])
    lead.refresh_from_db()
    first = lead.called_back_at
    assert first is not None
    lead.follow_up = FollowUp.CLOSED
    lead.save()
    lead.follow_up = FollowUp.CALLED_BACK
    lead.save()
    lead.refresh_from_db()
    assert lead.called_back_at == first


def test_percentile_is_the_nearest_rank():
    assert percentile([400, 600, 1_000], 50) == 600
    assert percentile([400, 600, 1_000], 95) == 1_000
    assert percentile([5], 95) == 5


def test_days_are_the_readers_across_a_change_of_clocks(client_a, org_a, make_call):
    paris = timezone.get_current_timezone()
    # Summer time starts in Paris on 29 March 2026 at 02:00: near midnight, UTC and local days differ.
    for moment in (datetime(2026, 3, 28, 23, 30), datetime(2026, 3, 29, 0, 30), datetime(2026, 3, 29, 23, 30)):
        call = make_call(org_a, started_at=timezone.make_aware(moment, paris))
        Call.objects.filter(pk=call.pk).update(metrics={"turns": [{"latency_ms": 500}]})
    figures = client_a.get("/analytics/", {"since": "2026-03-27", "until": "2026-03-30"}).context["figures"]
    assert [n for _, n in figures.per_day] == [0, 1, 2, 0]
    assert [(day.day, turns) for day, turns, _, _ in figures.latency] == [(28, 1), (29, 2)]
