"""A caller's request, as the sales advisor follows it up."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from synclead.web.calls.models import Call
from synclead.web.organizations.models import Organization


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class FollowUp(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    CALLED_BACK = "called_back", _("Called back")
    CLOSED = "closed", _("Closed")
    SPAM = "spam", _("Spam")


class Source(models.TextChoices):
    CALL = "call", _("Call with the agent")
    VOICEMAIL = "voicemail", _("Voicemail")


class Contact(models.Model):
    """A caller, known by their number within one organization; repeat calls are grouped under it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="contacts")
    phone = models.CharField(max_length=16, help_text="E.164")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)
    # Set by the post-call job when this number called the organization again and again in a short time
    # (`synclead.postcall.repeats`). It stays: whoever calls the number back should know what it did.
    repeat_caller = models.BooleanField(
        default=False, help_text="This number called many times within minutes (flood, or a caller in distress)."
    )

    class Meta:
        ordering = ["-last_seen"]
        constraints = [models.UniqueConstraint(fields=["organization", "phone"], name="unique_contact_phone")]

    def __str__(self) -> str:
        return self.name or self.phone


class LeadQuerySet(models.QuerySet["Lead"]):
    def for_user(self, user) -> LeadQuerySet:
        return self.filter(organization__in=Organization.objects.for_user(user))

    def ungrouped(self) -> LeadQuerySet:
        """Leads of their own: not the rows of calls grouped onto a repeat caller's open lead."""
        return self.filter(grouped_into__isnull=True)

    def inbox(self) -> LeadQuerySet:
        """The leads an agency follows up, each with `grouped_calls`: how many later calls were grouped onto it."""
        # A subquery, not a join and GROUP BY over every lead: only the rows of the page shown are counted.
        grouped = (
            Lead.objects.filter(grouped_into=OuterRef("pk")).order_by().values("grouped_into").annotate(n=Count("id"))
        )
        return self.ungrouped().annotate(grouped_calls=Coalesce(Subquery(grouped.values("n")), 0))


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
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    # Real-estate qualification: kind (rent/buy/sell), area, property type, rooms, budget, move-in date,
    # financing, viewing wanted — whatever the caller said.
    qualification = models.JSONField(default=dict, blank=True)
    # Per field: {"confidence": 0..1, "utterance": Utterance id} — where each value came from.
    evidence = models.JSONField(default=dict, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_leads"
    )
    notes = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text="When the caller should be called back.")
    # A call from a caller whose earlier lead is still new is attached to that lead (`synclead.postcall.repeats`).
    # Every call keeps its own row here, the record of what was said in it, which the call's page and report read;
    # a row with `grouped_into` set is not a lead of its own: not in the inbox, not counted, not notified.
    grouped_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        # The open lead deleted (erased, purged), its calls' rows become leads again rather than vanish with it.
        on_delete=models.SET_NULL,
        related_name="grouped_leads",
        help_text="The same caller's open lead this call was attached to.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When an advisor first marked the caller called back: the analytics' time from lead to call-back.
    called_back_at = models.DateTimeField(null=True, blank=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="lead_org_created_idx"),
            # The inbox across several organizations: newest first, read in index order and stopped at one page.
            models.Index(fields=["-created_at", "-id"], name="lead_created_idx"),
        ]

    def save(self, *args, **kwargs) -> None:
        if self.follow_up == FollowUp.CALLED_BACK and self.called_back_at is None:
            self.called_back_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "called_back_at"}
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.name or self.phone or 'Unknown caller'} ({self.intent or 'no intent'})"

    def calls(self) -> models.QuerySet[Call]:
        """Every call on this lead, oldest first: the one that opened it and those attached to it since."""
        return Call.objects.filter(Q(lead=self) | Q(lead__grouped_into=self)).order_by("started_at", "id")
