"""The gateway's database writer on its own, against a real lock: a write the database refuses for now is retried and
keeps its place in the queue; a write refused for good, or for longer than the retry period, is logged at ERROR with
its call and what it carried, and the writes after it go on.

The lock is SQLite's, held by another connection (`BEGIN EXCLUSIVE`) on the test database file; the PostgreSQL side
is proven end to end by `test_database_outage.py`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import connection
from prometheus_client import REGISTRY

from synclead.gateway import database
from synclead.web.calls.models import Call, Utterance
from synclead.web.organizations.models import Organization

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(os.environ.get("SYNCLEAD_DATABASE_URL")), reason="SQLite's lock; see the outage test"),
]

SID = "CA" + "4" * 32
# Longer than SQLite's own busy wait (5 s): a write that meets the lock fails at least once.
LOCK_S = 6.5


def counter(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


@contextlib.contextmanager
def locked(seconds: float) -> Iterator[None]:
    """Another connection holds the database's write lock for `seconds` from the start of the block."""
    taken = threading.Event()

    def hold() -> None:
        with contextlib.closing(sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)) as conn:
            conn.execute("BEGIN EXCLUSIVE")
            taken.set()
            time.sleep(seconds)
            conn.execute("ROLLBACK")

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(10)
    try:
        yield
    finally:
        holder.join()


@contextlib.contextmanager
def errors() -> Iterator[list[logging.LogRecord]]:
    """The writer's ERROR lines, as they are emitted."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("synclead.gateway.database")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def call(db) -> Call:
    return Call.objects.create(call_sid=SID, organization=Organization.objects.create(slug="w", name="Writer"))


def say(call: Call, n: int) -> None:
    database.submit(
        lambda: Utterance.objects.create(call=call, role="caller", text=f"Sentence {n}.", start_ms=n, end_ms=n),
        call_sid=call.call_sid,
        data=f"Sentence {n}.",
    )


def test_writes_that_meet_a_lock_wait_for_it_and_keep_their_order(call: Call) -> None:
    retried, lost = counter("synclead_database_write_retries_total"), counter("synclead_database_writes_lost_total")
    with locked(LOCK_S):
        for n in range(1, 4):
            say(call, n)
        database.drain()
    texts = list(Utterance.objects.filter(call=call).order_by("id").values_list("text", flat=True))
    assert texts == ["Sentence 1.", "Sentence 2.", "Sentence 3."]
    assert counter("synclead_database_write_retries_total") > retried
    assert counter("synclead_database_writes_lost_total") == lost


def test_a_write_refused_for_good_is_logged_with_its_call_and_data_and_the_next_goes_on(call: Call) -> None:
    with errors() as logged:
        # Wrong in itself (no call): retrying would not help, and must not hold the queue up.
        database.submit(
            lambda: Utterance.objects.create(call=None, role="caller", text="Orphan.", start_ms=0, end_ms=0),
            call_sid=SID,
            data="Orphan.",
        )
        say(call, 1)
        started = time.monotonic()
        database.drain()
    assert time.monotonic() - started < 2
    [record] = logged
    assert SID in record.getMessage() and "Orphan." in record.getMessage()
    assert list(Utterance.objects.filter(call=call).values_list("text", flat=True)) == ["Sentence 1."]


def test_a_write_still_locked_out_after_the_retry_period_is_given_up_and_logged(
    call: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The production bound is a minute; one second shows the same decision without waiting for it.
    monkeypatch.setattr(database, "RETRY_FOR_S", 1.0)
    lost = counter("synclead_database_writes_lost_total")
    with errors() as logged, locked(LOCK_S):
        say(call, 1)
        database.drain()
    [record] = logged
    assert record.levelno == logging.ERROR
    assert SID in record.getMessage() and "Sentence 1." in record.getMessage()
    assert record.exc_info is not None and "database is locked" in str(record.exc_info[1])
    assert counter("synclead_database_writes_lost_total") == lost + 1
