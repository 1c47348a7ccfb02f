"""The dashboard as an agency uses it: log in, list calls, open one, never see another agency's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from synclead.web.calls.models import Role
from synclead.web.dashboard.templatetags.dashboard_format import duration, offset, phone, reason
from synclead.web.organizations.models import Organization

LIST = reverse("dashboard:call_list")


def detail(call) -> str:
    return reverse("dashboard:call_detail", args=[call.call_sid])


def calls_shown(response) -> list[str]:
    return [call.call_sid for call in response.context["page"]]


# Logging in and out


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/calls/CA123/"])
def test_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_login_form_logs_in_and_returns_to_the_page_asked_for(client, user_a, password):
    assert client.get("/login/").status_code == 200
    response = client.post("/login/?next=/", {"username": "alice", "password": password, "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_says_so(client, user_a):
    response = client.post("/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b'role="alert"' in response.content


def test_logout_is_a_post(client_a):
    assert client_a.get("/logout/").status_code == 405
    response = client_a.post("/logout/")
    assert response["Location"] == "/login/"
    assert client_a.get("/").status_code == 302


# The list


def test_list_shows_only_the_users_organizations(client_a, org_a, org_b, make_call):
    own = make_call(org_a)
    make_call(org_b, from_number="+33698765432")
    response = client_a.get(LIST)
    assert calls_shown(response) == [own.call_sid]
    assert b"+33 6 98 76 54 32" not in response.content


def test_list_is_newest_first(client_a, org_a, make_call):
    now = datetime(2025, 3, 12, 13, 0, tzinfo=UTC)
    middle = make_call(org_a, started_at=now - timedelta(hours=1))
    newest = make_call(org_a, started_at=now)
    oldest = make_call(org_a, started_at=now - timedelta(days=2))
    assert calls_shown(client_a.get(LIST)) == [newest.call_sid, middle.call_sid, oldest.call_sid]


def test_list_row_reads_as_the_agency_would_say_it(client_a, org_a, make_call):
    call = make_call(org_a, started_at=datetime(2025, 3, 12, 13, 5, tzinfo=UTC))
    html = client_a.get(LIST).content.decode()
    assert "12 Mar 2025, 14:05" in html  # Paris is UTC+1 in March
    assert "+33 6 12 34 56 78" in html
    assert "1:35" in html
    assert "Completed" in html
    assert "Camille Durand" in html and "Viewing" in html  # the intent `visit`, as a label
    assert f'href="{detail(call)}"' in html


def test_a_call_without_a_lead_is_listed(client_a, org_a, make_call):
    make_call(org_a, lead=False)
    assert b"No lead" in client_a.get(LIST).content


def test_list_pages_by_fifty_and_keeps_the_filter(client, django_user_model, org_a, org_b, make_call, password):
    user = django_user_model.objects.create_user("both", password=password)
    org_a.members.add(user)
    org_b.members.add(user)
    client.force_login(user)
    for _ in range(51):
        make_call(org_a, lead=False, utterances=[])
    make_call(org_b, lead=False, utterances=[])

    first = client.get(LIST, {"org": org_a.slug})
    assert len(calls_shown(first)) == 50
    assert b'href="?org=agence-lumiere&amp;page=2"' in first.content
    assert len(calls_shown(client.get(LIST, {"org": org_a.slug, "page": 2}))) == 1
    assert len(calls_shown(client.get(LIST))) == 50


def test_the_filter_offers_only_the_users_organizations(client, django_user_model, org_a, org_b, make_call, password):
    user = django_user_model.objects.create_user("both", password=password)
    org_a.members.add(user)
    org_b.members.add(user)
    client.force_login(user)
    in_b = make_call(org_b)
    make_call(org_a)
    other = Organization.objects.create(slug="elsewhere", name="Elsewhere Immobilier")

    response = client.get(LIST, {"org": org_b.slug})
    assert calls_shown(response) == [in_b.call_sid]
    assert b"Elsewhere Immobilier" not in response.content
    assert client.get(LIST, {"org": other.slug}).status_code == 404


def test_a_filter_on_another_tenant_is_a_404_like_any_unknown_slug(client_a, org_b):
    assert client_a.get(LIST, {"org": org_b.slug}).status_code == 404
    assert client_a.get(LIST, {"org": "no-such-agency"}).status_code == 404


def test_a_superuser_sees_every_organization(client, admin_user, org_a, org_b, make_call):
    make_call(org_a)
    make_call(org_b)
    client.force_login(admin_user)
    assert len(calls_shown(client.get(LIST))) == 2


def test_empty_list_explains_how_calls_arrive(client_a):
    html = client_a.get(LIST).content.decode()
    assert "No calls yet" in html
    assert "+33 1 42 68 53 00" in html


def test_a_user_without_organization_is_told_why_the_list_is_empty(client, django_user_model, password):
    client.force_login(django_user_model.objects.create_user("nobody", password=password))
    assert b"No organization yet" in client.get(LIST).content


def test_list_costs_the_same_queries_for_three_calls_or_forty(client_a, org_a, make_call, django_assert_num_queries):
    for size in (3, 40):
        while org_a.calls.count() < size:
            make_call(org_a, lead=org_a.calls.count() % 2 == 0, utterances=[])
        # Session, user, organizations, their numbers, the count, the page, the onboarding checklist, whether the
        # user owns an organization (the Audit link): whatever the number of calls.
        with django_assert_num_queries(9):
            assert client_a.get(LIST).status_code == 200


# One call


def test_another_organizations_call_is_a_404_not_a_403(client_a, org_b, make_call):
    theirs = make_call(org_b)
    assert client_a.get(detail(theirs)).status_code == 404
    assert client_a.get("/calls/CA-does-not-exist/").status_code == 404


def test_detail_shows_the_header_lead_and_summary(client_a, org_a, make_call):
    call = make_call(org_a, started_at=datetime(2025, 7, 1, 8, 30, 15, tzinfo=UTC))
    html = client_a.get(detail(call)).content.decode()
    for expected in [
        "Agence Lumière",
        "+33 6 12 34 56 78",
        "+33 1 42 68 53 00",
        "Tue 1 Jul 2025, 10:30:15",  # Paris is UTC+2 in July
        "1:35",
        "Caller hung up",
        "Camille Durand",
        'href="mailto:camille@example.com"',
        'href="tel:+33612345678"',
        "High",
        "New",
        "Three-room flat, rue Oberkampf.",
        "Wants to visit the flat on rue Oberkampf on Saturday.",
    ]:
        assert expected in html, expected
    assert "Listen to the recording" not in html


def test_detail_links_the_recording_when_there_is_one(client_a, org_a, make_call):
    call = make_call(org_a)
    call.recording_url = "https://recordings.example/RE123.mp3"
    call.recording_duration_s = 94.0
    call.save()
    html = client_a.get(detail(call)).content.decode()
    assert 'href="https://recordings.example/RE123.mp3"' in html
    assert "(1:34)" in html


def test_detail_shows_the_transcript_in_the_order_it_was_said(client_a, org_a, make_call):
    # Written out of order, as two tasks of the engine might; the page must still read as the call went.
    call = make_call(
        org_a,
        utterances=[
            (Role.CALLER, "Second, from the caller.", 3_000, 5_000, False),
            (Role.AGENT, "Third, from the agent, cut off", 65_250, 66_000, True),
            (Role.AGENT, "First, the greeting.", 0, 2_000, False),
        ],
    )
    html = client_a.get(detail(call)).content.decode()
    positions = [html.index(text) for text in ["First, the greeting.", "Second, from the caller.", "Third, from"]]
    assert positions == sorted(positions)
    assert [html.index(at) for at in ["00:00", "00:03", "01:05"]] == sorted(
        html.index(at) for at in ["00:00", "00:03", "01:05"]
    )
    assert html.count(">Interrupted</span>") == 1
    assert html.count("utterance--agent") == 2 and html.count("utterance--caller") == 1


def test_detail_without_a_lead_or_transcript(client_a, org_a, make_call):
    call = make_call(org_a, lead=False, utterances=[])
    html = client_a.get(detail(call)).content.decode()
    assert "No lead was taken from this call." in html
    assert "Nothing was said in this call." in html


def test_detail_costs_a_fixed_number_of_queries(client_a, org_a, make_call, django_assert_num_queries):
    call = make_call(org_a)
    # Session, user, the call with its organization and lead, its utterances, whether the user owns an organization.
    with django_assert_num_queries(6):
        client_a.get(detail(call))


# Formatting


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("+33612345678", "+33 6 12 34 56 78"),
        ("+14155552671", "+1 415-555-2671"),
        ("+3361234", "+3361234"),  # not a valid number: shown as received
        ("anonymous", "anonymous"),
        ("", "Unknown"),
    ],
)
def test_phone(number, shown):
    assert phone(number) == shown


def test_duration_offset_and_reason():
    assert duration(None) == "—"
    assert duration(0) == "0:00"
    assert duration(59.6) == "1:00"
    assert duration(754) == "12:34"
    assert offset(0) == "00:00"
    assert offset(65_999) == "01:05"
    assert reason("caller_hung_up") == "Caller hung up"
    assert reason("") == "—"
