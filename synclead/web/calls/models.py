"""Calls and what was said in them, written while the call runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from synclead.web.organizations.models import Organization


class CallStatus(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    IN_PROGRESS = "in-progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    BUSY = "busy", _("Busy")
    FAILED = "failed", _("Failed")
    NO_ANSWER = "no-answer", _("No answer")
    CANCELED = "canceled", _("Canceled")


class CallQuerySet(models.QuerySet["Call"]):
    def for_user(self, user) -> CallQuerySet:
        """Calls of the organizations the user belongs to; never another organization's."""
        return self.filter(organization__in=Organization.objects.for_user(user))


class Call(models.Model):
    call_sid = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="calls")
    from_number = models.CharField(max_length=32, blank=True)
    to_number = models.CharField(max_length=32, blank=True)
    language = models.CharField(max_length=2, default="en")
    status = models.CharField(max_length=16, choices=CallStatus.choices, default=CallStatus.RINGING)
    end_reason = models.CharField(max_length=32, blank=True, help_text="Why the agent's side ended.")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    summary = models.TextField(blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    recording_url = models.URLField(blank=True)
    recording_duration_s = models.FloatField(null=True, blank=True)
    # Set when the post-call job has written the report (summary, lead, notifications); `synclead call` waits on it.
    report_ready_at = models.DateTimeField(null=True, blank=True)
    recording_file = models.CharField(
        max_length=500, blank=True, help_text="The recording downloaded into the data directory, when there is one."
    )
    # One-time secret handed to the media stream in TwiML, checked when the stream starts, then cleared.
    stream_token = models.CharField(max_length=64, blank=True)
    stream_started_at = models.DateTimeField(null=True, blank=True)
    # Moved forward every few seconds by the gateway process carrying the stream: a call in progress whose
    # heartbeat stopped lost its process, and is closed from what was persisted (`gateway/sweep.py`).
    alive_at = models.DateTimeField(null=True, blank=True)
    # A member talking to the agent from the dashboard, not a caller: the same engine, report and lead, but not a
    # call the business received.
    is_test = models.BooleanField(default=False, help_text="Placed from the dashboard to try the agent.")
    tested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="test_calls"
    )

    objects = CallQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["organization", "-started_at"]),
            # The calls list across several organizations, and the analytics' date ranges.
            models.Index(fields=["-started_at", "-id"], name="call_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.call_sid} from {self.from_number}"


class Role(models.TextChoices):
    CALLER = "caller", _("Caller")
    AGENT = "agent", _("Agent")


class Utterance(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="utterances")
    role = models.CharField(max_length=8, choices=Role.choices)
    text = models.TextField()
    start_ms = models.PositiveIntegerField()
    end_ms = models.PositiveIntegerField()
    interrupted = models.BooleanField(default=False, help_text="The caller spoke over the rest of it.")

    class Meta:
        ordering = ["start_ms", "id"]
        # "Did the caller say anything?" (the analytics' answered calls), one index probe per call.
        indexes = [models.Index(fields=["call", "role"], name="utterance_call_role_idx")]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:60]}"
