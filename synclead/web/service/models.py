"""Leases: which process runs a job that must run once per deployment, however many processes and machines.

A lease is taken only once the previous one has run out, so a job whose lease lasts its interval runs once per
interval across the deployment, whichever process gets there first."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, models, transaction
from django.utils import timezone


class Lease(models.Model):
    name = models.CharField(max_length=64, unique=True)
    holder = models.CharField(max_length=128)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder} until {self.expires_at:%H:%M:%S}"


def acquire(name: str, holder: str, duration: timedelta, *, now: datetime | None = None) -> bool:
    """Take the lease `name` for `duration` if it has run out; False while a lease (anyone's) still runs.

    One conditional UPDATE decides between contenders, on SQLite as on PostgreSQL; the INSERT is only for the
    lease's very first use, and its unique name settles a race there.
    """
    now = now or timezone.now()
    taken = Lease.objects.filter(name=name, expires_at__lte=now).update(holder=holder, expires_at=now + duration)
    if taken:
        return True
    if Lease.objects.filter(name=name).exists():
        return False
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, holder=holder, expires_at=now + duration)
    except IntegrityError:
        return False
    return True


def release(name: str, holder: str) -> None:
    Lease.objects.filter(name=name, holder=holder).update(expires_at=timezone.now())
