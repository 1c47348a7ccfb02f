"""Who did what to callers' data, and when: the organization's record for accountability (GDPR art. 5(2))."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from synclead.web.organizations.models import Organization


class Action(models.TextChoices):
    LISTENED = "listened", _("Listened to a recording")
    DOWNLOADED = "downloaded", _("Downloaded a recording")
    EXPORTED = "exported", _("Exported")
    ERASED = "erased", _("Erased a caller")
    # What the organization's owners decided, and who belongs to it.
    SETTINGS_CHANGED = "settings", _("Changed settings")
    TEST_SENT = "test_sent", _("Sent a test notification")
    INVITED = "invited", _("Invited a member")
    INVITE_REVOKED = "invite_revoked", _("Revoked an invitation")
    JOINED = "joined", _("Joined")
    ROLE_CHANGED = "role_changed", _("Changed a member's role")
    MEMBER_REMOVED = "member_removed", _("Removed a member")


def is_owner(user) -> bool:
    """May read the audit log of the organizations they own: an owner of at least one, or a superuser (who sees
    every organization's log)."""
    return Organization.objects.owned_by(user).exists()


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def visible_to(self, user) -> AuditEventQuerySet:
        """An owner's organizations' events; nothing for anyone else."""
        if not is_owner(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        # An advisor in one organization and owner of another reads the second one's log only.
        return self.filter(organization__in=Organization.objects.owned_by(user))


class AuditEvent(models.Model):
    # An organization that is deleted leaves its record behind, unattached: superusers still see it.
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The user's name at the time, or "cli:<os user>" for a command: it outlives the user's row.
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=16, choices=Action.choices)
    # A call SID, or a caller's number masked (an erasure must not keep the number it erased).
    target = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organization", "-at"], name="audit_org_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"
