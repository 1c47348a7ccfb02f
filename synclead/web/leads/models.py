"""A caller's request, as the sales advisor follows it up."""

from __future__ import annotations

from django.db import models

from synclead.web.calls.models import Call
from synclead.web.organizations.models import Organization


class Urgency(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"


class FollowUp(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    CALLED_BACK = "called_back", "Called back"
    CLOSED = "closed", "Closed"
    SPAM = "spam", "Spam"


class Source(models.TextChoices):
    CALL = "call", "Call with the agent"
    VOICEMAIL = "voicemail", "Voicemail"


class LeadQuerySet(models.QuerySet["Lead"]):
    def for_user(self, user) -> LeadQuerySet:
        return self.filter(organization__in=Organization.objects.for_user(user))


class Lead(models.Model):
    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="lead")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="leads")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.CALL)
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=16, blank=True, help_text="Callback number, E.164")
    email = models.EmailField(blank=True)
    intent = models.CharField(max_length=64, blank=True)
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    details = models.TextField(blank=True)
    follow_up = models.CharField(max_length=16, choices=FollowUp.choices, default=FollowUp.NEW)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name or self.phone or 'Unknown caller'} ({self.intent or 'no intent'})"
