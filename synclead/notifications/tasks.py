"""The same entry points as Django tasks, for a deployment that runs a task worker.

Optional: nothing imports this module unless the post-call job or a scheduler enqueues these tasks; with Django's
default immediate backend they simply run in place.
"""

from __future__ import annotations

from django.tasks import task

from . import notify


@task
def notify_new_lead(lead_id: int) -> None:
    notify.notify_new_lead(lead_id)


@task
def retry_due_deliveries() -> int:
    return notify.retry_due_deliveries()
