"""What a new organization still has to do before its agent is of use, shown above its calls until all is done."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from synclead.config import get_settings
from synclead.knowledge.models import Document, Listing
from synclead.web.calls.models import Call
from synclead.web.organizations.models import Organization, PhoneNumber


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    title: str
    done: bool
    how: str
    link: str = ""
    # Shell commands that do it, shown as code.
    commands: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Checklist:
    organization: Organization
    steps: list[Step]

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)


def _progress(organizations: Sequence[Organization]) -> QuerySet[Organization]:
    """What each organization has, in one query however many steps there are."""
    mine = OuterRef("pk")
    emails = get_user_model().objects.filter(memberships__organization=mine, is_active=True).exclude(email="")
    return Organization.objects.filter(pk__in=[organization.pk for organization in organizations]).annotate(
        has_number=Exists(PhoneNumber.objects.filter(organization=mine)),
        has_documents=Exists(Document.objects.filter(organization=mine)),
        has_listings=Exists(Listing.objects.filter(organization=mine)),
        has_calls=Exists(Call.objects.filter(organization=mine)),
        has_member_email=Exists(emails),
    )


def _notified(organization: Organization) -> bool:
    """Whether a lead's message would reach someone (the same rule as `notify.targets`)."""
    email = organization.notify_email and organization.has_member_email  # type: ignore[attr-defined]
    return bool(email or organization.webhook_url or organization.notify_sms)


def checklist(organization: Organization) -> Checklist:
    """`organization` as `_progress` annotates it."""
    slug = organization.slug
    voice_url = f"{get_settings().public_url or 'https://YOUR-DOMAIN'}/twilio/voice"
    has_documents = organization.has_documents  # type: ignore[attr-defined]
    has_listings = organization.has_listings  # type: ignore[attr-defined]
    steps = [
        Step(
            "number",
            _("Connect a phone number"),
            organization.has_number,  # type: ignore[attr-defined]
            _(
                "Add the agency's Twilio number, then point it at SYNCLEAD: run the commands below, or set the "
                "number's voice webhook in the Twilio console to %(url)s (HTTP POST)."
            )
            % {"url": voice_url},
            commands=(
                f"synclead org add {slug} --name '{organization.name}' --number +33XXXXXXXXX",
                f"synclead twilio configure --public-url {voice_url.removesuffix('/twilio/voice')}",
            ),
        ),
        Step(
            "knowledge",
            _("Add documents and listings"),
            has_documents and has_listings,
            _("Upload what the agent answers from: your fees, your hours, your listings as CSV.")
            if not has_documents
            else _("Documents are in; add your listings (CSV) so callers hear what is for rent or sale."),
            link=reverse("dashboard:knowledge", args=[slug]),
        ),
        Step(
            "call",
            _("Make a test call"),
            organization.has_calls,  # type: ignore[attr-defined]
            _("Call your number, or place a simulated call with the command below."),
            commands=(f"synclead call --org {slug} --script examples/call-en.json --report report.json",),
        ),
        Step(
            "notifications",
            _("Choose who hears of each lead"),
            _notified(organization),
            _("Turn on email to the members, a webhook to your CRM or a text message, and send a test."),
            link=reverse("dashboard:organization_settings", args=[slug]) + "#notifications",
        ),
    ]
    return Checklist(organization, steps)


# Beyond this many organizations on one page (an operator's view of every agency), nobody is being onboarded there.
MAX_SHOWN = 3


def unfinished(organizations: Sequence[Organization]) -> list[Checklist]:
    """The checklists with something left to do; the finished ones are not shown at all."""
    if len(organizations) > MAX_SHOWN:
        return []
    lists = (checklist(organization) for organization in _progress(organizations))
    return [found for found in lists if found.done < len(found.steps)]
