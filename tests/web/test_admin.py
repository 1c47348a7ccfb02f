"""The admin is SYNCLEAD's operators' tool: superusers only, calls searchable, transcripts read-only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse


@pytest.fixture
def admin_client_with_call(admin_client, org_a, make_call):
    return admin_client, make_call(org_a)


@pytest.mark.parametrize(
    "url",
    [
        "admin:organizations_organization_changelist",
        "admin:organizations_organization_add",
        "admin:calls_call_changelist",
        "admin:leads_lead_changelist",
    ],
)
def test_superuser_opens_every_admin_page(admin_client, org_a, make_call, url):
    make_call(org_a)
    assert admin_client.get(reverse(url)).status_code == 200


def test_organization_page_edits_numbers_and_members(admin_client, org_a):
    html = admin_client.get(reverse("admin:organizations_organization_change", args=[org_a.pk])).content.decode()
    assert "+33142685300" in html  # the phone number inline
    assert 'name="memberships-0-role"' in html  # members and their roles, inline


def test_call_page_shows_the_transcript_read_only_and_hides_the_stream_token(admin_client_with_call):
    client, call = admin_client_with_call
    html = client.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode()
    assert "Hello, Agence Lumière, how can I help?" in html
    assert "01:12" in html
    assert 'name="utterances-0-text"' not in html
    assert "stream_token" not in html
    assert 'name="from_number"' not in html  # what the carrier saw is not editable
    assert 'name="status"' in html  # a status stuck after a crash is


def test_an_operator_can_close_a_call_left_in_progress(admin_client_with_call):
    client, call = admin_client_with_call
    call.status = "in-progress"
    call.save()
    url = reverse("admin:calls_call_change", args=[call.pk])
    # The transcript inline is view-only, but the admin still expects its management form.
    inline = {"utterances-TOTAL_FORMS": "0", "utterances-INITIAL_FORMS": "0"}
    response = client.post(url, {"status": "failed", "end_reason": "crash", "summary": "", **inline})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.status == "failed"
    assert call.from_number == "+33612345678"
    assert call.utterances.count() == 5


def test_calls_are_found_by_sid_or_number(admin_client_with_call):
    client, call = admin_client_with_call
    changelist = reverse("admin:calls_call_changelist")
    assert client.get(changelist, {"q": call.call_sid}).context["cl"].result_count == 1
    assert client.get(changelist, {"q": "+336123"}).context["cl"].result_count == 1
    assert client.get(changelist, {"q": "+449999"}).context["cl"].result_count == 0


def test_calls_cannot_be_made_up_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:calls_call_add")).status_code == 403


def test_lead_page_opens(admin_client_with_call):
    client, call = admin_client_with_call
    assert client.get(reverse("admin:leads_lead_change", args=[call.lead.pk])).status_code == 200


def test_staff_with_every_permission_still_cannot_reach_tenant_data(client, django_user_model, org_a):
    staff = django_user_model.objects.create_user("staff", password="x", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["organizations", "calls", "leads"])
    )
    client.force_login(staff)
    assert client.get(reverse("admin:organizations_organization_changelist")).status_code == 403
    assert client.get(reverse("admin:calls_call_changelist")).status_code == 403
    assert client.get(reverse("admin:index")).context["app_list"] == []


def test_a_dashboard_user_is_sent_to_the_admin_login(client_a):
    response = client_a.get(reverse("admin:calls_call_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
