"""The members page and invitation links through Django's test client: roles, the last owner, one-time expiring
links, and another agency's owner who finds nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from synclead.web.audit.models import Action, AuditEvent
from synclead.web.organizations import membership
from synclead.web.organizations.models import Invitation, Membership, Organization, Role


def text_of(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def members_url(organization: Organization) -> str:
    return reverse("dashboard:members", args=[organization.slug])


def join(django_user_model, organization: Organization, username: str, role: str) -> tuple[Client, Membership]:
    user = django_user_model.objects.create_user(username, f"{username}@example.com", "x")
    organization.members.add(user, through_defaults={"role": role})
    client = Client()
    client.force_login(user)
    return client, Membership.objects.get(organization=organization, user=user)


@pytest.fixture
def owner(django_user_model, org_a) -> tuple[Client, Membership]:
    return join(django_user_model, org_a, "odile", Role.OWNER)


def test_members_added_the_old_way_are_advisors_and_for_user_still_finds_them(user_a, org_a, org_b):
    assert Membership.objects.get(user=user_a).role == Role.ADVISOR
    assert list(Organization.objects.for_user(user_a)) == [org_a]
    assert list(Organization.objects.owned_by(user_a)) == []


def test_the_last_owner_can_neither_step_down_nor_be_removed(owner, org_a):
    client, mine = owner
    response = client.post(
        reverse("dashboard:change_role", args=[org_a.slug, mine.pk]), {"role": "advisor"}, follow=True
    )
    assert "odile is the last owner of Agence Lumière: make someone else an owner first." in text_of(response)
    response = client.post(reverse("dashboard:remove_member", args=[org_a.slug, mine.pk]), follow=True)
    assert "is the last owner" in text_of(response)
    mine.refresh_from_db()
    assert mine.role == Role.OWNER
    assert not AuditEvent.objects.filter(action__in=[Action.ROLE_CHANGED, Action.MEMBER_REMOVED]).exists()


def test_with_a_second_owner_roles_change_and_members_leave_and_it_is_audited(owner, org_a, django_user_model):
    client, mine = owner
    _, other = join(django_user_model, org_a, "paul", Role.ADVISOR)
    client.post(reverse("dashboard:change_role", args=[org_a.slug, other.pk]), {"role": "owner"})
    other.refresh_from_db()
    assert other.role == Role.OWNER
    response = client.post(reverse("dashboard:change_role", args=[org_a.slug, mine.pk]), {"role": "advisor"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.role == Role.ADVISOR
    # Now an advisor: the page has no controls left and every change is refused.
    page = client.get(members_url(org_a)).content.decode()
    assert "Send the invitation" not in page and "Change role" not in page
    assert client.post(reverse("dashboard:remove_member", args=[org_a.slug, other.pk])).status_code == 403
    assert (
        client.post(reverse("dashboard:invite_member", args=[org_a.slug]), {"email": "x@y.example"}).status_code == 403
    )
    events = list(
        AuditEvent.objects.filter(action=Action.ROLE_CHANGED).order_by("id").values_list("actor", "target", "detail")
    )
    assert events == [("odile", "paul", "now owner"), ("odile", "odile", "now advisor")]


def test_a_role_that_does_not_exist_is_refused(owner, org_a):
    client, mine = owner
    response = client.post(reverse("dashboard:change_role", args=[org_a.slug, mine.pk]), {"role": "admin"}, follow=True)
    assert "Choose owner or advisor." in text_of(response)


def test_the_owner_of_another_organization_cannot_touch_these_members(owner, org_a, org_b, django_user_model):
    _, mine = owner
    client_b, _ = join(django_user_model, org_b, "bruno", Role.OWNER)
    assert client_b.get(members_url(org_a)).status_code == 404
    # Their own slug with this organization's membership id: not found inside their organization.
    response = client_b.post(reverse("dashboard:remove_member", args=[org_b.slug, mine.pk]), follow=True)
    assert "No such member." in text_of(response)
    assert Membership.objects.filter(pk=mine.pk).exists()


def test_an_invitation_is_emailed_and_its_link_works_once(owner, org_a, client):
    owner_client, _ = owner
    response = owner_client.post(
        reverse("dashboard:invite_member", args=[org_a.slug]), {"email": "adrien@example.com", "role": "advisor"}
    )
    assert response.status_code == 302
    (email,) = mail.outbox
    assert email.to == ["adrien@example.com"] and "Agence Lumière" in email.subject
    link = next(line for line in email.body.splitlines() if "/invitations/" in line)
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert token not in invitation.token_hash and invitation.token_hash == membership.token_hash(token)

    accept_url = reverse("dashboard:accept_invitation", args=[token])
    form = {"username": "adrien", "password1": "a long advisor passphrase", "password2": "a long advisor passphrase"}
    assert "Create my account and join" in client.get(accept_url).content.decode()
    mismatch = client.post(accept_url, form | {"password2": "something else entirely"})
    assert mismatch.status_code == 400 and "The two passwords differ." in text_of(mismatch)
    taken = client.post(accept_url, form | {"username": "ODILE"})
    assert "This user name is taken" in text_of(taken)
    joined = client.post(accept_url, form, follow=True)
    assert "You joined Agence Lumière as Advisor." in text_of(joined)
    assert Membership.objects.get(organization=org_a, user__username="adrien").role == Role.ADVISOR
    assert AuditEvent.objects.filter(action=Action.JOINED, actor="adrien", detail="as advisor").exists()

    again = Client().get(accept_url)
    assert again.status_code == 404 and "This invitation link does not work" in text_of(again)


def test_an_expired_or_revoked_link_opens_nothing(owner, org_a, client):
    owner_client, _ = owner
    owner_user = owner_client.get(members_url(org_a)).wsgi_request.user
    expired, expired_token = membership.invite(org_a, "late@example.com", Role.ADVISOR, owner_user)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("dashboard:accept_invitation", args=[expired_token])).status_code == 404
    revoked, revoked_token = membership.invite(org_a, "gone@example.com", Role.ADVISOR, owner_user)
    owner_client.post(reverse("dashboard:revoke_invitation", args=[org_a.slug, revoked.pk]))
    assert client.get(reverse("dashboard:accept_invitation", args=[revoked_token])).status_code == 404
    assert client.get(reverse("dashboard:accept_invitation", args=["made-up"])).status_code == 404
    assert not Membership.objects.filter(user__email__in=["late@example.com", "gone@example.com"]).exists()


def test_a_logged_in_user_joins_with_their_account_and_an_owner_invitation_promotes(
    owner, org_a, org_b, django_user_model
):
    owner_client, _ = owner
    owner_user = owner_client.get(members_url(org_a)).wsgi_request.user
    client_b, existing = join(django_user_model, org_b, "bruno", Role.OWNER)
    _, token = membership.invite(org_a, "bruno@example.com", Role.OWNER, owner_user)
    page = client_b.get(reverse("dashboard:accept_invitation", args=[token]))
    assert "You will join with the account bruno." in text_of(page)
    client_b.post(reverse("dashboard:accept_invitation", args=[token]))
    assert Membership.objects.get(organization=org_a, user=existing.user).role == Role.OWNER
    assert client_b.get(reverse("dashboard:organization_settings", args=[org_a.slug])).status_code == 200


def test_an_anonymous_visitor_whose_address_has_an_account_is_asked_to_log_in(owner, org_a, client, django_user_model):
    django_user_model.objects.create_user("claire", "claire@example.com", "x")
    _, token = membership.invite(org_a, "Claire@Example.com", Role.ADVISOR, None)
    url = reverse("dashboard:accept_invitation", args=[token])
    assert "log in, then open this link again" in text_of(client.get(url))
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("dashboard:login"))
    assert not Membership.objects.filter(user__username="claire").exists()


def test_inviting_a_member_again_or_a_bad_address_is_refused_at_the_field(owner, org_a, user_a):
    client, _ = owner
    url = reverse("dashboard:invite_member", args=[org_a.slug])
    again = client.post(url, {"email": user_a.email, "role": "advisor"})
    assert again.status_code == 400 and f"{user_a.email} is already a member." in text_of(again)
    bad = client.post(url, {"email": "not an address", "role": "advisor"})
    assert bad.status_code == 400 and "Enter a valid email address." in text_of(bad)
    assert mail.outbox == [] and not Invitation.objects.exists()
