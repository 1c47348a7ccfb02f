"""The service's own housekeeping, so that no cron is needed: each job runs once per interval per deployment.

Every gateway process runs this loop; a job runs in whichever process first takes its lease (`service.Lease`),
so with ten processes on three machines the purge still runs once a day and the retries once a minute.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import close_old_connections

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], object]


def _sweep() -> object:
    from synclead.gateway.sweep import close_orphaned_calls

    return close_orphaned_calls()


def _retry_notifications() -> object:
    from synclead.notifications.notify import retry_due_deliveries

    return retry_due_deliveries()


def _purge() -> object:
    from synclead.web.calls.privacy import purge_expired

    return purge_expired()


def jobs() -> tuple[Job, ...]:
    from synclead.config import get_settings

    return (
        # Half the stale period: a lost call is closed at most one and a half periods after its last sign of life.
        Job("sweep-orphaned-calls", timedelta(seconds=get_settings().call_stale_s / 2), _sweep),
        Job("retry-notifications", timedelta(minutes=1), _retry_notifications),
        Job("purge-expired", timedelta(days=1), _purge),
    )


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_due(due: tuple[Job, ...] | None = None, holder: str | None = None) -> list[str]:
    """Run each job whose lease this process can take now; returns the names of those it ran."""
    from django.utils import timezone

    from synclead.web.service.models import Lease, acquire

    holder = holder or holder_name()
    # One read first: most ticks nothing is due, and a read takes no lock where a conditional UPDATE would.
    running = dict(Lease.objects.filter(expires_at__gt=timezone.now()).values_list("name", "holder"))
    ran = []
    for job in due or jobs():
        try:
            if job.name in running or not acquire(job.name, holder, job.every):
                continue
            job.run()
            ran.append(job.name)
        except Exception:  # one failing job must not stop the others, nor the loop
            log.exception("periodic job %s failed", job.name)
    return ran


class Scheduler:
    """A daemon thread that looks for due jobs every few seconds until stopped."""

    def __init__(self, tick_s: float = 2.0, due: tuple[Job, ...] | None = None) -> None:
        self.tick_s = tick_s
        self.jobs = due
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="synclead-periodic", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    def _loop(self) -> None:
        while not self._stop.is_set():
            close_old_connections()
            run_due(self.jobs)
            self._stop.wait(self.tick_s)
