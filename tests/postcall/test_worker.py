"""The gateway's in-process worker runs a job enqueued in the database, with no second process."""

from __future__ import annotations

import time

import pytest

from synclead.postcall.tasks import process_call
from synclead.postcall.worker import start_inprocess_worker, stop_inprocess_worker
from synclead.web.calls.models import Call


@pytest.mark.django_db(transaction=True)
def test_inprocess_worker_runs_an_enqueued_job(make_call) -> None:
    call = make_call([("caller", "Hello, my name is Anna Lee, I'd like to book a viewing.")])
    process_call.enqueue(call.pk)
    thread = start_inprocess_worker(interval_s=0.05)
    assert thread is not None and start_inprocess_worker() is thread  # once per process
    try:
        deadline = time.monotonic() + 30
        while Call.objects.get(pk=call.pk).report_ready_at is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop_inprocess_worker()
    call.refresh_from_db()
    assert call.report_ready_at is not None and call.lead.intent == "viewing"


def test_external_worker_setting_starts_nothing(monkeypatch) -> None:
    from synclead.config import get_settings

    monkeypatch.setattr(get_settings(), "worker", "external")
    assert start_inprocess_worker() is None
