"""Talk to your agent, on the Django side: who gets the page and a test call, and how a test call is shown."""

from __future__ import annotations

import pytest

from synclead.web.calls.browser_calls import OneTestCallAtATime, claim_test_call, place_test_call
from synclead.web.calls.models import Call


def test_the_page_and_the_calls_are_for_members_only(client, client_a, org_a, org_b, user_a):
    page = client_a.get(f"/org/{org_a.slug}/talk/")
    assert page.status_code == 200
    assert b"data-talk-start" in page.content and b"talk.js" in page.content
    # Another organization's page and calls do not exist for this member.
    assert client_a.get(f"/org/{org_b.slug}/talk/").status_code == 404
    assert client_a.post(f"/org/{org_b.slug}/talk/start/").status_code == 404
    assert not Call.objects.filter(organization=org_b).exists()
    assert client_a.get(f"/org/{org_a.slug}/talk/start/").status_code == 405

    started = client_a.post(f"/org/{org_a.slug}/talk/start/").json()
    call = Call.objects.get(call_sid=started["callSid"])
    assert call.is_test and call.tested_by == user_a and call.organization == org_a
    assert call.stream_token == started["token"] and started["socket"] == "/browser/call"
    assert started["callUrl"] == f"/calls/{call.call_sid}/"

    client_a.logout()
    assert client_a.get(f"/org/{org_a.slug}/talk/").status_code == 302
    assert client_a.post(f"/org/{org_a.slug}/talk/start/").status_code == 302


def test_the_calls_list_leads_to_the_page(client_a, org_a):
    page = client_a.get("/")
    assert f'href="/org/{org_a.slug}/talk/"'.encode() in page.content


def test_a_token_is_claimed_once_by_the_member_it_was_given_to(org_a, org_b, user_a, django_user_model):
    bob = django_user_model.objects.create_user("bob", "bob@example.test", "x")
    org_b.members.add(bob)
    call, token = place_test_call(user_a, org_a)
    assert claim_test_call(call.call_sid, token, bob.pk) is None, "another member"
    assert claim_test_call(call.call_sid, "wrong", user_a.pk) is None
    org_a.members.remove(user_a)
    assert claim_test_call(call.call_sid, token, user_a.pk) is None, "no longer a member"
    org_a.members.add(user_a)
    claimed = claim_test_call(call.call_sid, token, user_a.pk)
    assert claimed == call and claimed.stream_started_at is not None
    assert claim_test_call(call.call_sid, token, user_a.pk) is None, "once"
    # Connected and alive: a second call for the same member is refused.
    Call.objects.filter(pk=call.pk).update(alive_at=claimed.stream_started_at)
    with pytest.raises(OneTestCallAtATime):
        place_test_call(user_a, org_a)


def test_a_test_call_is_marked_in_the_list_and_on_its_page(client_a, org_a, user_a, make_call):
    phone = make_call(org_a)
    test = make_call(org_a)
    Call.objects.filter(pk=test.pk).update(is_test=True, tested_by=user_a)
    listing = client_a.get("/").content.decode()
    assert listing.count("badge--test") == 1
    page = client_a.get(f"/calls/{test.call_sid}/").content.decode()
    assert "badge--test" in page and "Test call by alice" in page
    assert "badge--test" not in client_a.get(f"/calls/{phone.call_sid}/").content.decode()
