"""When a lead is created: decide who is told, and send each message at most once, retrying with back-off.

Every message is a `Delivery` row, unique per (lead, channel, target), created before anything is sent; so a
replayed post-call job finds the rows and sends nothing new. A worker claims a row by moving its
`next_attempt_at` forward in one conditional UPDATE, so two workers never send the same row at the same time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from synclead.web.leads.models import Lead
from synclead.web.organizations.models import Organization

from . import channels
from .models import Channel, Delivery, Status

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# Waits after the 1st, 2nd, ... failed attempt; after the last one the delivery is given up as failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
# Longer than any sender can take (webhook 5 s, SMTP and Twilio time out well before), so a claim held by a
# worker that died is picked up again later instead of being lost.
CLAIM = timedelta(minutes=10)


def targets(organization: Organization) -> Iterator[tuple[str, str]]:
    """The (channel, target) pairs the organization has switched on."""
    if organization.notify_email:
        emails = organization.members.filter(is_active=True).exclude(email="").values_list("email", flat=True)
        for email in sorted(set(emails)):
            yield Channel.EMAIL, email
    if organization.webhook_url:
        yield Channel.WEBHOOK, organization.webhook_url
    if organization.notify_sms:
        yield Channel.SMS, organization.notify_sms


def notify_new_lead(lead_id: int, *, clock: Clock = timezone.now) -> None:
    """Create the lead's deliveries and send those that are due. Safe to call again: nothing is sent twice."""
    try:
        lead = Lead.objects.select_related("organization").get(pk=lead_id)
    except Lead.DoesNotExist:
        log.warning("lead %s: gone before it could be notified", lead_id)
        return
    now = clock()
    for channel, target in targets(lead.organization):
        try:
            with transaction.atomic():
                Delivery.objects.get_or_create(
                    lead=lead, channel=channel, target=target, defaults={"next_attempt_at": now, "created_at": now}
                )
        except IntegrityError:  # another worker created it between our SELECT and INSERT
            pass
    for delivery in lead.deliveries.filter(status=Status.PENDING, next_attempt_at__lte=now):
        attempt(delivery, clock=clock)


def retry_due_deliveries(*, clock: Clock = timezone.now, limit: int = 100) -> int:
    """Send the pending deliveries whose time has come; returns how many were attempted."""
    due = Delivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=clock()).order_by("next_attempt_at")
    done = 0
    for delivery in due[:limit]:
        done += attempt(delivery, clock=clock)
    return done


def attempt(delivery: Delivery, *, clock: Clock = timezone.now) -> bool:
    """Try one delivery once, if no one else holds it; record the outcome. Returns whether it was tried."""
    now = clock()
    claimed = Delivery.objects.filter(pk=delivery.pk, status=Status.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + CLAIM
    )
    if not claimed:
        return False
    delivery.refresh_from_db()
    try:
        detail = channels.SENDERS[delivery.channel](delivery)
    except channels.SendError as exc:
        _failed(delivery, str(exc), clock())
    else:
        _sent(delivery, detail, clock())
    return True


def _sent(delivery: Delivery, detail: str, at: datetime) -> None:
    delivery.attempts += 1
    delivery.status = Status.SENT
    delivery.sent_at = at
    delivery.log = [*delivery.log, {"at": at.isoformat(), "ok": True, "detail": detail}]
    delivery.save(update_fields=["attempts", "status", "sent_at", "log"])
    log.info("delivery %s: %s sent to %s (%s)", delivery.pk, delivery.channel, delivery.target, detail)


def _failed(delivery: Delivery, error: str, at: datetime) -> None:
    delivery.attempts += 1
    delivery.last_error = error
    delivery.log = [*delivery.log, {"at": at.isoformat(), "ok": False, "detail": error}]
    if delivery.attempts > len(BACKOFF):
        delivery.status = Status.FAILED
        log.error("delivery %s: gave up after %s attempts: %s", delivery.pk, delivery.attempts, error)
    else:
        delivery.next_attempt_at = at + BACKOFF[delivery.attempts - 1]
        log.warning(
            "delivery %s: attempt %s failed, next at %s: %s",
            delivery.pk,
            delivery.attempts,
            delivery.next_attempt_at.isoformat(),
            error,
        )
    delivery.save(update_fields=["attempts", "last_error", "log", "status", "next_attempt_at"])
