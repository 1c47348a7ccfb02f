"""Housekeeping runs once per interval per deployment, whichever of its processes gets there first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from synclead.gateway.periodic import Job, run_due
from synclead.web.service.models import Lease, acquire

pytestmark = pytest.mark.django_db


def test_a_lease_goes_to_one_holder_until_it_runs_out() -> None:
    now = timezone.now()
    assert acquire("purge", "host-a:1", timedelta(minutes=1), now=now)
    assert not acquire("purge", "host-b:2", timedelta(minutes=1), now=now + timedelta(seconds=59))
    # Not even its own holder takes it again early: the lease is the job's interval, not a lock to renew.
    assert not acquire("purge", "host-a:1", timedelta(minutes=1), now=now + timedelta(seconds=30))
    assert acquire("purge", "host-b:2", timedelta(minutes=1), now=now + timedelta(minutes=1))
    assert Lease.objects.get(name="purge").holder == "host-b:2"


def test_several_processes_run_each_job_once() -> None:
    ran: list[str] = []
    jobs = (
        Job("every-minute", timedelta(minutes=1), lambda: ran.append("minute")),
        Job("daily", timedelta(days=1), lambda: ran.append("daily")),
    )
    for process in ("machine-1:10", "machine-1:11", "machine-2:10"):
        run_due(jobs, holder=process)
    assert sorted(ran) == ["daily", "minute"]


def test_a_failing_job_does_not_stop_the_others() -> None:
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("disk on fire")

    jobs = (Job("broken", timedelta(minutes=1), broken), Job("fine", timedelta(minutes=1), lambda: ran.append("fine")))
    assert run_due(jobs, holder="machine-1:10") == ["fine"]
    assert ran == ["fine"]
