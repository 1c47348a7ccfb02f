"""When a lead is created: decide who is told, and send each message at most once, retrying with back-off.

Every message is a `Delivery` row, unique per (lead, channel, target). The rows are an outbox: `plan_deliveries`
writes them in the same transaction as the lead, so a lead never commits without the record of who must hear of it;
sending happens after the commit (`send_deliveries`, run as a job, and `retry_due_deliveries`, run from cron), so a
process that dies in between leaves pending rows that the next run sends. A sender claims a row by moving its
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


def plan_deliveries(lead: Lead, *, clock: Clock = timezone.now) -> list[Delivery]:
    """Write the lead's deliveries, pending and due now, in the caller's transaction; send nothing.

    Call it inside the transaction that writes the lead, then send after the commit. Safe to call again: a row
    that exists is kept as it is. Returns the lead's deliveries still pending.
    """
    now = clock()
    for channel, target in targets(lead.organization):
        try:
            # A savepoint: a row another worker inserted first must not break the caller's transaction.
            with transaction.atomic():
                Delivery.objects.get_or_create(
                    lead=lead, channel=channel, target=target, defaults={"next_attempt_at": now, "created_at": now}
                )
        except IntegrityError:
            pass
    return list(lead.deliveries.filter(status=Status.PENDING))


def send_deliveries(lead_id: int, *, clock: Clock = timezone.now) -> int:
    """Send the lead's pending deliveries that are due; returns how many were attempted."""
    due = Delivery.objects.filter(lead_id=lead_id, status=Status.PENDING, next_attempt_at__lte=clock())
    return sum(attempt(delivery, clock=clock) for delivery in due.order_by("pk"))


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
    except Exception as exc:
        # An answer no sender expects (a 2xx that is not JSON, say) is a failed attempt like any other: escaping,
        # it would leave the row claimed but uncounted, tried again every CLAIM forever, and stop the rows after it.
        log.exception("delivery %s: the %s sender failed unexpectedly", delivery.pk, delivery.channel)
        _failed(delivery, f"{delivery.channel}: {type(exc).__name__}: {exc}", clock())
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
