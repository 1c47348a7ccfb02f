"""Who belongs to an organization: invitations by email, roles, removals.

Two rules hold whatever the order of requests: an organization always keeps at least one owner (the check and the
change happen under a lock on the organization's row), and an invitation link works once, before it expires (it is
claimed by one conditional UPDATE on the hash of its token).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Final

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from synclead.config import get_settings

from .models import Invitation, Membership, Organization, Role

INVITATION_VALID_FOR: Final = timedelta(days=7)


class MembershipError(ValueError):
    """A change refused, with the reason to show the owner."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(organization: Organization, email: str, role: str, invited_by) -> tuple[Invitation, str]:
    """A new invitation and its token (the only time the token exists in clear: it goes into the link)."""
    email = email.strip()
    if organization.memberships.filter(user__email__iexact=email).exists():
        raise MembershipError(_("%(email)s is already a member.") % {"email": email})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + INVITATION_VALID_FOR,
    )
    return invitation, token


def invitation_link(token: str, request_base_url: str) -> str:
    """The link in the email: on the deployment's public URL, or, where none is set (a local install), on the
    address the owner is using."""
    base = get_settings().public_url or request_base_url
    return base.rstrip("/") + reverse("dashboard:accept_invitation", args=[token])


def send_invitation(invitation: Invitation, link: str) -> None:
    """The invitation email, through the deployment's mail settings (SYNCLEAD_EMAIL_BACKEND); raises what the
    mail backend raises."""
    inviter = invitation.invited_by
    values = {
        "organization": invitation.organization.name,
        "inviter": (inviter.get_full_name() or inviter.get_username()) if inviter else "SYNCLEAD",
        "role": invitation.get_role_display(),
        "link": link,
        "days": INVITATION_VALID_FOR.days,
    }
    subject = _("Join %(organization)s on SYNCLEAD") % values
    body = (
        _(
            "%(inviter)s invites you to join %(organization)s on SYNCLEAD as %(role)s.\n\n"
            "Open this link to accept (it works once, for %(days)s days):\n%(link)s\n\n"
            "If you did not expect this invitation, ignore this email."
        )
        % values
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email], fail_silently=False)


def open_invitation(token: str) -> Invitation | None:
    """The invitation this token opens, if it still can be accepted."""
    return Invitation.objects.open().select_related("organization").filter(token_hash=token_hash(token)).first()


def accept(token: str, user) -> Invitation:
    """Make `user` a member as the invitation says; the link is spent. A member already there keeps their role
    unless the invitation makes them an owner."""
    with transaction.atomic():
        now = timezone.now()
        claimed = Invitation.objects.open(now).filter(token_hash=token_hash(token))
        if not claimed.update(accepted_at=now, accepted_by=user):
            raise MembershipError(_("This invitation was already used, was revoked, or has expired."))
        invitation = Invitation.objects.select_related("organization").get(token_hash=token_hash(token))
        membership, created = Membership.objects.get_or_create(
            organization=invitation.organization, user=user, defaults={"role": invitation.role}
        )
        if not created and invitation.role == Role.OWNER and membership.role != Role.OWNER:
            membership.role = Role.OWNER
            membership.save(update_fields=["role"])
    return invitation


def change_role(organization: Organization, membership_id: int, role: str) -> Membership:
    with transaction.atomic():
        membership = _locked(organization, membership_id)
        if membership.role == Role.OWNER and role != Role.OWNER:
            _keep_an_owner(organization, membership)
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def remove(organization: Organization, membership_id: int) -> Membership:
    with transaction.atomic():
        membership = _locked(organization, membership_id)
        if membership.role == Role.OWNER:
            _keep_an_owner(organization, membership)
        membership.delete()
    return membership


def _locked(organization: Organization, membership_id: int) -> Membership:
    # Two owners demoting each other at once: the second waits for the first and then sees one owner left.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    membership = organization.memberships.select_related("user").filter(pk=membership_id).first()
    if membership is None:
        raise MembershipError(_("No such member."))
    return membership


def _keep_an_owner(organization: Organization, leaving: Membership) -> None:
    if not organization.memberships.filter(role=Role.OWNER).exclude(pk=leaving.pk).exists():
        raise MembershipError(
            _("%(name)s is the last owner of %(organization)s: make someone else an owner first.")
            % {"name": leaving.user.get_username(), "organization": organization.name}
        )
