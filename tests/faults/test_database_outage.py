"""The database locked or unreachable in the middle of a call: the caller notices nothing, and nothing said meanwhile
is lost — every sentence is written once the database is back, in the order it was said.

A gateway process (the product's, with numbering speech fakes: the caller's n-th turn is heard as "Sentence n." and
answered "Answer n.") carries a call from a Twilio-shaped caller. Once the conversation is going, the database is
taken from the gateway from outside, as production meets it:

- SQLite, the embedded default: another connection holds `BEGIN EXCLUSIVE`. Every write of the gateway waits out
  SQLite's own busy timeout (5 s), then fails with "database is locked". A 5 s lock is absorbed by that wait without
  an error; the lock is held for 12 s, so that writes do fail (every one begun in its first 7 s) and it is the
  writer's retry, not SQLite's patience, that saves them.
- PostgreSQL, the suite's second pass: for 5 s another connection holds the call tables in ACCESS EXCLUSIVE mode
  (every read and write of them waits) and terminates every other connection to the database four times a second,
  as a server going down and coming back keeps doing: a write in flight fails with its connection lost, and the new
  connection it opens is cut in turn until the 5 s are over.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path

import pytest

from tests.databases import own_database
from tests.faults.gateway import GREETING, NUMBER
from tests.faults.harness import Caller, Rows, base_env, frames_of_speech, local_token, start_gateway
from tests.processes import scrape, wait_for

SQLITE_LOCK_S = 12.0
POSTGRES_OUTAGE_S = 5.0


@pytest.fixture(scope="module")
def speech() -> list[str]:
    return frames_of_speech()


COUNT = "SELECT count(*) FROM calls_utterance"


def lock_sqlite(path: Path, seconds: float) -> int:
    """Hold SQLite's write lock from another connection, as a second process writing a long transaction would.
    Returns how many utterances were written when it let go."""
    with contextlib.closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as conn:
        conn.execute("BEGIN EXCLUSIVE")
        time.sleep(seconds)
        written = conn.execute(COUNT).fetchone()[0]
        conn.execute("ROLLBACK")
    return written


def cut_postgres(url: str, seconds: float) -> tuple[int, int]:
    """Lock the call tables and keep killing the gateway's connections. Returns how many connections were killed and
    how many utterances were written when it let go."""
    import psycopg

    kill = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = current_database() AND backend_type = 'client backend'"
        " AND pid <> pg_backend_pid() AND pid <> %s"
    )
    killed = 0
    with psycopg.connect(url) as holder, psycopg.connect(url, autocommit=True) as admin:
        holder.execute("LOCK TABLE calls_call, calls_utterance IN ACCESS EXCLUSIVE MODE")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            killed += admin.execute(kill, (holder.info.backend_pid,)).fetchone()[0]
            time.sleep(0.25)
        written = holder.execute(COUNT).fetchone()[0]
        holder.rollback()
    return killed, written


async def test_a_database_outage_mid_call_loses_nothing_and_the_caller_hears_no_difference(
    tmp_path: Path, speech: list[str]
) -> None:
    with own_database() as database_url:
        data = tmp_path / "data"
        gateway = await asyncio.to_thread(start_gateway, "gateway", tmp_path, base_env(data, database_url))
        rows = Rows(data, database_url)
        try:
            # A turn about every four seconds: any window of the outage holds a whole turn and its answer.
            caller = Caller(gateway.url, local_token(data), speech, NUMBER, pause_ms=2500)
            await caller.connect()
            # The conversation is going: a turn answered and written.
            await caller.wait_for_sentences(2, 30)
            await wait_for(lambda: len(rows.utterances(caller.call_sid)) >= 3, 15, "the first turn written")

            started = time.monotonic()
            if database_url:
                killed, written = await asyncio.to_thread(cut_postgres, database_url, POSTGRES_OUTAGE_S)
                assert killed >= 1, "the gateway's connections were cut"
            else:
                written = await asyncio.to_thread(lock_sqlite, data / "synclead.sqlite3", SQLITE_LOCK_S)
            ended = time.monotonic()

            # Meanwhile the caller kept hearing the agent: its turns were answered as usual.
            assert caller.sentences_between(started, ended) >= 1, "no reply was heard during the outage"
            assert caller.heard_between(started, ended) > 0
            # And the call goes on after it: one more turn answered, then the caller hangs up.
            await caller.wait_for_sentences(len(caller.played_at) + 1, 20)
            assert caller.closed_code is None and caller.clears == 0
            assert await caller.hang_up() == 204
            call = await wait_for(
                lambda: (row := rows.call(caller.call_sid))["end_reason"] and row, 60, "the call's end"
            )
            said = rows.utterances(caller.call_sid)
            ends_ms = rows.ends_ms(caller.call_sid)
            retries = scrape(gateway, "synclead_database_write_retries_total")
            lost = scrape(gateway, "synclead_database_writes_lost_total")
        finally:
            gateway.stop()

    # Every sentence said, by either side, outage or not, is in the database, once, in the order it was said.
    answered = len(caller.played_at) - 1  # the greeting is the first sentence heard
    expected = [("agent", GREETING)]
    for n in range(1, answered + 1):
        expected += [("caller", f"Sentence {n}."), ("agent", f"Answer {n}.")]
    if len(said) == len(expected) + 1:  # the caller was in the middle of a sentence when it hung up
        expected.append(("caller", f"Sentence {answered + 1}."))
    assert said == expected, gateway.tail()
    # Among them, those said while the database was away: written only once it came back.
    outage_end_ms = (ended - caller.started) * 1000
    said_before_it_came_back = sum(1 for end_ms in ends_ms if end_ms < outage_end_ms - 200)
    assert said_before_it_came_back - written >= 2, (written, ends_ms, outage_end_ms)
    assert call["end_reason"] == "caller_hangup" and call["status"] == "completed"
    # The writes did fail, and were retried rather than dropped.
    assert retries >= 1, gateway.tail()
    assert lost == 0 and "database write lost" not in gateway.text()
