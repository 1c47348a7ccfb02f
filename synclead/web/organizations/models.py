"""The businesses SYNCLEAD answers for, and the phone numbers that reach them."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/Paris.") from exc


E164 = RegexValidator(r"^\+[1-9]\d{6,14}$", "Enter a number in E.164 form, such as +33142685300.")


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    FRENCH = "fr", "Français"


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def for_user(self, user) -> OrganizationQuerySet:
        """The organizations a dashboard user may see: their own, or all of them for a superuser."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(members=user)


class Organization(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    greeting = models.TextField(
        blank=True,
        help_text="What the agent says first. Empty: a greeting built from the name, in the organization's language.",
    )
    persona = models.TextField(blank=True, help_text="Who the agent is and how it speaks.")
    timezone = models.CharField(max_length=64, default="Europe/Paris", validators=[validate_timezone])
    facts = models.TextField(blank=True, help_text="A few facts about the business (opening hours, address).")
    # The conversational agent. Empty `llm`: the deployment's SYNCLEAD_LLM.
    llm = models.CharField(
        max_length=8,
        blank=True,
        choices=[("", "Deployment default"), ("mistral", "Mistral"), ("openai", "OpenAI-compatible"), ("none", "None")],
    )
    stt = models.CharField(
        max_length=12,
        blank=True,
        choices=[("", "Deployment default"), ("assemblyai", "AssemblyAI streaming"), ("whisper", "Whisper (offline)")],
        help_text="Speech recognition. Empty: the deployment's SYNCLEAD_STT.",
    )
    llm_model = models.CharField(max_length=100, blank=True, help_text="Empty: the provider's default model.")
    temperature = models.FloatField(default=0.3)
    max_input_tokens = models.PositiveIntegerField(default=6000)
    max_output_tokens = models.PositiveIntegerField(default=250)
    instructions = models.TextField(blank=True, help_text="Extra instructions for the agent.")
    staff_number = models.CharField(
        max_length=16, blank=True, validators=[E164], help_text="Where a caller is transferred to a person (E.164)."
    )
    business_hours = models.JSONField(
        default=dict,
        blank=True,
        help_text='Opening hours for transfers, e.g. {"mon": [["09:00", "19:00"]], "sat": [["10:00", "17:00"]]}.',
    )
    # After the call: who is told, and how long what was said is kept.
    intents = models.JSONField(default=list, blank=True, help_text="Intent vocabulary; empty: the real-estate default.")
    notify_email = models.BooleanField(default=True, help_text="Email the members when a lead is created.")
    webhook_url = models.URLField(blank=True, help_text="The CRM endpoint that receives each new lead (JSON).")
    webhook_secret = models.CharField(max_length=128, blank=True, help_text="HMAC-SHA256 key for the webhook.")
    notify_sms = models.CharField(
        max_length=16, blank=True, validators=[E164], help_text="An advisor's mobile to text for each new lead."
    )
    retention_days = models.PositiveIntegerField(
        default=365, help_text="Recordings and transcripts older than this are deleted."
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="organizations")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PhoneNumber(models.Model):
    number = models.CharField(max_length=16, unique=True, validators=[E164], help_text="E.164")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="numbers")

    def __str__(self) -> str:
        return self.number
