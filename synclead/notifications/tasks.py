"""Sending deliveries as Django tasks, on whatever worker runs the post-call jobs."""

from __future__ import annotations

from django.tasks import task

from . import notify


@task
def send_deliveries(lead_id: int) -> int:
    """Send the lead's due deliveries; enqueued once the transaction that planned them commits."""
    return notify.send_deliveries(lead_id)


@task
def retry_due_deliveries() -> int:
    """For a scheduler that enqueues tasks rather than running `synclead notifications retry` from cron."""
    return notify.retry_due_deliveries()
