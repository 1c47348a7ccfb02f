"""The businesses SYNCLEAD answers for, and the phone numbers that reach them."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from synclead.agent.hours import hours_problem


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/Paris.") from exc


E164 = RegexValidator(r"^\+[1-9]\d{6,14}$", "Enter a number in E.164 form, such as +33142685300.")

# Plain http:// is for a CRM running beside SYNCLEAD; anywhere else the lead's personal data would cross in clear.
_LOCAL_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})
# Intent names are stored on leads (64 characters) and offered as filters: plain identifiers.
_INTENT_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,63}")


def validate_phone_number(value: str) -> None:
    """A number that exists: the E.164 pattern checks the form only, and a transfer or a text to a number that
    cannot exist fails during a call or silently after it."""
    try:
        valid = phonenumbers.is_valid_number(phonenumbers.parse(value, None))
    except phonenumbers.NumberParseException:
        valid = False
    if not valid:
        raise ValidationError(f"{value!r} is not a valid phone number; give it in E.164 form, such as +33612345678.")


def validate_webhook_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS):
        return
    raise ValidationError("Use an https:// URL (plain http:// only for localhost or 127.0.0.1).")


def validate_business_hours(value: object) -> None:
    problem = hours_problem(value)
    if problem:
        raise ValidationError(f"{problem[0].upper()}{problem[1:]}.")


def validate_intents(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(name, str) and _INTENT_NAME.fullmatch(name) for name in value):
        raise ValidationError("Intents are names in lower case (letters, digits, _), such as rent, buy, tenant_issue.")
    if len(set(value)) != len(value):
        raise ValidationError("An intent is listed twice.")


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    FRENCH = "fr", "Français"


class Voice(models.TextChoices):
    """The agent's offline voice (`providers/tts/voices.py` routes each name); the choice matters in French."""

    KOKORO_FEMALE = "kokoro_female", _("Natural, female (Kokoro)")
    KOKORO_MALE = "kokoro_male", _("Natural, male (Kokoro)")
    ESPEAK = "espeak", _("Synthetic (espeak-ng)")


class Role(models.TextChoices):
    # Owners decide everything an agency decides (settings, members); advisors work the calls and leads.
    OWNER = "owner", _("Owner")
    ADVISOR = "advisor", _("Advisor")


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def for_user(self, user) -> OrganizationQuerySet:
        """The organizations a dashboard user may see: their own, or all of them for a superuser."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(members=user)

    def owned_by(self, user) -> OrganizationQuerySet:
        """The organizations whose settings and members `user` may change: those they own, or all for a superuser."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user, memberships__role=Role.OWNER)


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
    voice = models.CharField(
        max_length=16,
        choices=Voice.choices,
        default=Voice.KOKORO_FEMALE,
        help_text=_("The agent's voice in French; English is spoken by Piper whatever the choice."),
    )
    llm_model = models.CharField(max_length=100, blank=True, help_text="Empty: the provider's default model.")
    # OpenAI-compatible servers accept 0 to 2; beyond, every request fails and calls fall back to the offline agent.
    temperature = models.FloatField(default=0.3, validators=[MinValueValidator(0.0), MaxValueValidator(2.0)])
    max_input_tokens = models.PositiveIntegerField(default=6000, validators=[MinValueValidator(1)])
    max_output_tokens = models.PositiveIntegerField(default=250, validators=[MinValueValidator(1)])
    instructions = models.TextField(blank=True, help_text="Extra instructions for the agent.")
    staff_number = models.CharField(
        max_length=16,
        blank=True,
        validators=[E164, validate_phone_number],
        help_text="Where a caller is transferred to a person (E.164).",
    )
    business_hours = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_business_hours],
        help_text='Opening hours for transfers, e.g. {"mon": [["09:00", "19:00"]], "sat": [["10:00", "17:00"]]}.',
    )
    # The phone line: how many callers the agent answers at once. Beyond it a caller hears that the lines are busy and
    # can leave a message (which becomes a lead), so one agency's flood of calls cannot take every line of the service.
    max_concurrent_calls = models.PositiveIntegerField(
        default=20, help_text="Calls answered at once; beyond, callers are asked to leave a message. 0: no limit."
    )
    # After the call: who is told, and how long what was said is kept.
    intents = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_intents],
        help_text="Intent vocabulary; empty: the real-estate default.",
    )
    notify_email = models.BooleanField(default=True, help_text="Email the members when a lead is created.")
    webhook_url = models.URLField(
        blank=True,
        validators=[validate_webhook_url],
        help_text="The CRM endpoint that receives each new lead (JSON).",
    )
    webhook_secret = models.CharField(max_length=128, blank=True, help_text="HMAC-SHA256 key for the webhook.")
    notify_sms = models.CharField(
        max_length=16,
        blank=True,
        validators=[E164, validate_phone_number],
        help_text="An advisor's mobile to text for each new lead.",
    )
    # At least a day: with 0 the daily purge would delete today's calls before anyone has read them.
    retention_days = models.PositiveIntegerField(
        default=365,
        validators=[MinValueValidator(1)],
        help_text="Recordings and transcripts older than this are deleted.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="organizations", through="Membership"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Who belongs to an organization, and as what. `organization.members.add(user)` makes an advisor."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.ADVISOR)

    class Meta:
        # The constraint of the plain many-to-many table this model took over, kept as it was.
        unique_together = [("organization", "user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.organization}"


def role_of(user, organization: Organization) -> str | None:
    """`Role.OWNER` or `Role.ADVISOR` for a member, `Role.OWNER` for a superuser, None for anyone else."""
    if not (user.is_authenticated and user.is_active):
        return None
    if user.is_superuser:
        return Role.OWNER
    return Membership.objects.filter(organization=organization, user=user).values_list("role", flat=True).first()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def open(self, now: datetime | None = None) -> InvitationQuerySet:
        """Neither accepted nor revoked, and not yet expired."""
        return self.filter(accepted_at__isnull=True, revoked=False, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """A one-time, expiring link that makes whoever opens it a member. Only the token's SHA-256 is stored, so the
    table read by someone else opens no door."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.ADVISOR)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked = models.BooleanField(default=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.role}) to {self.organization}"


class PhoneNumber(models.Model):
    number = models.CharField(max_length=16, unique=True, validators=[E164], help_text="E.164")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="numbers")

    def __str__(self) -> str:
        return self.number
