"""One message about one lead, to one recipient on one channel, and what happened when it was sent."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from synclead.web.leads.models import Lead


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"
    SMS = "sms", "SMS"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    target = models.CharField(max_length=500, help_text="Email address, webhook URL or E.164 number.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Also a lease: whoever claims a pending delivery pushes this forward, so no other worker sends it meanwhile.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Every attempt, oldest first: {"at": ISO time, "ok": bool, "detail": str}.
    log = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        # A replayed post-call job finds the existing row instead of sending a second message.
        constraints = [models.UniqueConstraint(fields=["lead", "channel", "target"], name="unique_delivery")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} to {self.target} ({self.status})"
