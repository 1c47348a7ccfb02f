"""The audit log: what is written when callers' data is played, downloaded or erased, and who may read it."""

from __future__ import annotations

import getpass
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from synclead.config import get_settings
from synclead.web.audit.models import Action, AuditEvent
from synclead.web.calls.models import Call
from synclead.web.organizations.models import Role

CAMILLE = "+33612345678"


def with_recording(call: Call) -> Call:
    path = get_settings().recordings_dir / call.organization.slug / f"{call.call_sid}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    call.recording_file = str(path)
    call.save()
    return call


def member(django_user_model, organization, username: str, *, owner: bool) -> Client:
    user = django_user_model.objects.create_user(username, f"{username}@example.com", "x")
    organization.members.add(user, through_defaults={"role": Role.OWNER if owner else Role.ADVISOR})
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_a(django_user_model, org_a) -> Client:
    return member(django_user_model, org_a, "odile", owner=True)


@pytest.fixture
def owner_b(django_user_model, org_b) -> Client:
    return member(django_user_model, org_b, "bruno", owner=True)


def test_a_download_is_on_the_owners_audit_page_and_nowhere_else(client_a, owner_a, owner_b, org_a, make_call):
    call = with_recording(make_call(org_a))
    response = client_a.get(f"/calls/{call.call_sid}/recording.wav?download=1", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")

    event = AuditEvent.objects.get()
    assert (event.organization, event.user.username, event.actor) == (org_a, "alice", "alice")
    assert (event.action, event.target, event.ip) == (Action.DOWNLOADED, call.call_sid, "203.0.113.7")

    page = owner_a.get("/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Downloaded a recording" in html and call.call_sid in html and "203.0.113.7" in html and "alice" in html

    other = owner_b.get("/audit/")
    assert other.status_code == 200 and call.call_sid not in other.content.decode()
    # Asking for the other organization by name answers as if it did not exist.
    assert owner_b.get(f"/audit/?org={org_a.slug}").status_code == 404


def test_members_who_are_not_owners_may_not_read_the_log(client_a, org_a, make_call):
    with_recording(make_call(org_a))
    assert client_a.get("/audit/").status_code == 403
    assert "/audit/" not in client_a.get("/").content.decode(), "no link to a page they cannot open"


def test_the_owners_see_the_link(owner_a):
    assert 'href="/audit/"' in owner_a.get("/").content.decode()


def test_playing_is_one_listening_however_the_player_fetches(client_a, owner_a, org_a, make_call):
    call = with_recording(make_call(org_a))
    url = f"/calls/{call.call_sid}/recording.wav"
    assert client_a.get(url, HTTP_RANGE="bytes=0-").status_code == 200
    # Seeking: the player asks for a later part of the same file.
    assert client_a.get(url, HTTP_RANGE="bytes=9000-").status_code == 200
    assert list(AuditEvent.objects.values_list("action", "target")) == [(Action.LISTENED, call.call_sid)]
    assert "Listened to a recording" in owner_a.get("/audit/").content.decode()


def test_nothing_is_logged_for_a_recording_that_is_not_served(client_a, org_b, make_call):
    call = with_recording(make_call(org_b))
    assert client_a.get(f"/calls/{call.call_sid}/recording.wav").status_code == 404
    assert not AuditEvent.objects.exists()


def test_erasing_a_caller_is_on_record_with_who_ran_it(owner_a, owner_b, org_a, org_b, make_call):
    make_call(org_a, from_number=CAMILLE)
    make_call(org_a, from_number=CAMILLE)

    call_command("erase", phone=CAMILLE, stdout=StringIO())  # a dry run: nothing removed, nothing on record
    assert not AuditEvent.objects.exists()

    call_command("erase", phone=CAMILLE, yes=True, stdout=StringIO())
    event = AuditEvent.objects.get()
    assert (event.organization, event.action, event.detail) == (org_a, Action.ERASED, "2 calls")
    assert event.actor == f"cli:{getpass.getuser()}" and event.user is None
    assert event.target == "+336•••••678", "the erased number is not kept whole"

    html = owner_a.get("/audit/").content.decode()
    assert "Erased a caller" in html and f"cli:{getpass.getuser()}" in html
    assert "Erased a caller" not in owner_b.get("/audit/").content.decode()


def test_an_erasure_that_finds_nothing_is_on_record_too(admin_client, org_a):
    call_command("erase", phone=CAMILLE, yes=True, stdout=StringIO())
    event = AuditEvent.objects.get()
    assert (event.organization, event.detail) == (None, "nothing held")
    assert "nothing held" in admin_client.get("/audit/").content.decode(), "superusers see every record"


def test_the_admin_shows_the_log_and_cannot_change_it(admin_client, client_a, org_a, make_call):
    call = with_recording(make_call(org_a))
    client_a.get(f"/calls/{call.call_sid}/recording.wav")
    event = AuditEvent.objects.get()
    assert call.call_sid in admin_client.get("/admin/audit/auditevent/").content.decode()
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    assert admin_client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
