"""Forgetting callers: the retention period's purge, and erasing one caller on request.

Retention removes what was *said* (recordings, transcripts, summaries, the caller's words distilled into the lead) but
keeps what the agency needs to run: that a call happened, when, how long, and where its follow-up stands.
Erasure removes everything that names the caller, rows and files alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import phonenumbers
from django.apps import apps
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from synclead.config import get_settings
from synclead.telephony.twilio.recordings import voicemail_name
from synclead.web.audit.events import masked_phone, record
from synclead.web.audit.models import Action
from synclead.web.calls.models import Call, Utterance
from synclead.web.leads.models import Contact, Lead
from synclead.web.organizations.models import Organization

NOTIFICATIONS_APP = "synclead.notifications"


class InvalidPhone(ValueError):
    """Not a valid international number in E.164 form."""


@dataclass
class PurgeReport:
    calls: int = 0
    utterances: int = 0
    leads_blanked: int = 0
    files: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"calls past retention purged: {self.calls}",
            f"transcript lines deleted: {self.utterances}",
            f"leads with the caller's words blanked: {self.leads_blanked}",
            f"recording files deleted: {len(self.files)}",
        ]


@dataclass
class EraseReport:
    phone: str
    dry_run: bool
    calls: list[str] = field(default_factory=list)
    utterances: int = 0
    leads: int = 0
    contacts: int = 0
    notifications: int = 0
    files: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        verb = "would remove" if self.dry_run else "removed"
        return [
            f"{verb} for {self.phone}:",
            f"  calls: {len(self.calls)} {' '.join(self.calls)}".rstrip(),
            f"  transcript lines: {self.utterances}",
            f"  leads: {self.leads}",
            f"  contacts: {self.contacts}",
            f"  notification deliveries: {self.notifications}",
            f"  recording files: {len(self.files)}",
            *(f"    {path}" for path in self.files),
        ]


def purge_expired(now: datetime | None = None) -> PurgeReport:
    """Apply each organization's `retention_days` to its calls; running it twice removes nothing more."""
    now = now or timezone.now()
    report = PurgeReport()
    for org in Organization.objects.only("pk", "slug", "retention_days"):
        expired = Call.objects.filter(organization=org, started_at__lt=now - timedelta(days=org.retention_days))
        # Only calls that still hold something: after a purge they match no more, so a daily run stays cheap.
        holding = expired.filter(
            Q(summary__gt="") | Q(recording_file__gt="") | Q(recording_url__gt="") | Exists(_utterances_of())
        )
        calls = list(holding.only("pk", "call_sid", "recording_file"))
        # Files first: if deleting the rows' contents fails, the next run still finds these calls to finish.
        for call in calls:
            report.files += _delete_files(call, org.slug)
        with transaction.atomic():
            report.calls += len(calls)
            report.utterances += Utterance.objects.filter(call__in=calls).delete()[0]
            Call.objects.filter(pk__in=[c.pk for c in calls]).update(summary="", recording_file="", recording_url="")
            # Kept: name, phone, email, intent, urgency and the advisor's own fields (status, assignee, notes, due):
            # the follow-up needs them and erasure is the way to remove a person. Blanked: the caller's words.
            report.leads_blanked += (
                Lead.objects.filter(call__in=expired)
                .exclude(details="", qualification={}, evidence={})
                .update(details="", qualification={}, evidence={})
            )
    return report


def normalise_phone(phone: str) -> str:
    """The number in E.164, or `InvalidPhone` saying why not."""
    try:
        parsed = phonenumbers.parse(phone.strip(), None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"{phone!r} is not a phone number in E.164 form (+33612345678): {exc}") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(f"{phone!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def erase_caller(
    phone_e164: str, organization: Organization | None = None, *, dry_run: bool = False, actor: str = "system"
) -> EraseReport:
    """Remove every call from that number, every lead and contact naming it, and their recordings.

    A call whose lead gives this number to call back is the caller's too, whatever line they rang from: its
    transcript and recording hold their name and number. The erasure itself is written to the audit log of each
    organization it touched, by `actor` ("cli:<os user>" from `synclead erase`).
    """
    phone = normalise_phone(phone_e164)
    scope = Q(organization=organization) if organization is not None else Q()
    calls = (
        Call.objects.filter(scope).filter(Q(from_number=phone) | Q(lead__phone=phone)).select_related("organization")
    )
    leads = Lead.objects.filter(scope).filter(Q(phone=phone) | Q(call__in=calls))
    contacts = Contact.objects.filter(scope).filter(phone=phone)
    report = EraseReport(phone=phone, dry_run=dry_run)
    call_list = list(calls.distinct())
    report.calls = [c.call_sid for c in call_list]
    report.utterances = Utterance.objects.filter(call__in=call_list).count()
    report.leads = leads.distinct().count()
    report.contacts = contacts.count()
    deliveries = _notification_deliveries(call_list, leads, contacts)
    report.notifications = sum(qs.count() for qs in deliveries)
    if dry_run:
        report.files = [p for c in call_list for p in _recording_paths(c, c.organization.slug) if p.is_file()]
        return report
    with transaction.atomic():
        # Before the rows go, while they still say which organizations held the caller; in the same transaction,
        # so the log never claims an erasure that was rolled back, nor misses one that happened.
        _record_erasure(actor, phone, organization, call_list, leads, contacts)
        for qs in deliveries:
            qs.delete()
        leads.delete()
        contacts.delete()
        Call.objects.filter(pk__in=[c.pk for c in call_list]).delete()  # utterances go with them (CASCADE)
    # After the commit: a failed transaction leaves the recordings with the rows that point at them.
    for call in call_list:
        report.files += _delete_files(call, call.organization.slug)
    return report


def _record_erasure(
    actor: str,
    phone: str,
    organization: Organization | None,
    calls: list[Call],
    leads: models.QuerySet[Lead],
    contacts: models.QuerySet[Contact],
) -> None:
    held = {c.organization_id for c in calls}
    held |= set(leads.values_list("organization_id", flat=True))
    held |= set(contacts.values_list("organization_id", flat=True))
    if organization is not None:
        held.add(organization.pk)
    for org in Organization.objects.filter(pk__in=held):
        count = sum(1 for c in calls if c.organization_id == org.pk)
        record(actor, Action.ERASED, org, masked_phone(phone), detail=f"{count} call{'s' * (count != 1)}")
    if not held:
        # Asked everywhere and found nowhere: still an answer given to the person, on record.
        record(actor, Action.ERASED, None, masked_phone(phone), detail="nothing held")


def _utterances_of() -> models.QuerySet[Utterance]:
    return Utterance.objects.filter(call=OuterRef("pk"))


def _recording_paths(call: Call, slug: str) -> list[Path]:
    """Where a call's audio may be: its noted file, the gateway's recording and the voicemail, in our folder only."""
    folder = get_settings().recordings_dir / slug
    paths = {folder / f"{call.call_sid}.wav", folder / voicemail_name(call.call_sid)}
    if call.recording_file:
        paths.add(Path(call.recording_file))
    root = get_settings().recordings_dir.resolve()
    return sorted(p for p in paths if p.resolve().is_relative_to(root))


def _delete_files(call: Call, slug: str) -> list[Path]:
    deleted = []
    for path in _recording_paths(call, slug):
        if path.is_file():
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted


def _notification_deliveries(calls: list[Call], leads, contacts) -> list[models.QuerySet]:
    """Rows of the notifications app (when installed) that point at what is erased: they copy the lead's details."""
    if not apps.is_installed(NOTIFICATIONS_APP):
        return []
    targets = {Call: calls, Lead: leads, Contact: contacts}
    found = []
    config = next(c for c in apps.get_app_configs() if c.name == NOTIFICATIONS_APP)
    for model in config.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, models.ForeignKey) and f.related_model in targets:
                found.append(model.objects.filter(**{f"{f.name}__in": targets[f.related_model]}))
    return found
