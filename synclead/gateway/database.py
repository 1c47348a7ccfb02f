"""One thread that does every database write of the gateway, in order.

The call engine must never wait on the database, and SQLite takes one writer at a time: a single queue-fed
thread gives both, and keeps each call's rows in the order things happened.

A database that is locked or unreachable for a while (another process holding SQLite's write lock, PostgreSQL
restarting or cutting connections) costs the call nothing and loses nothing: a write that fails for such a passing
reason is tried again on a fresh connection, with back-off, for up to `RETRY_FOR_S`. The writes queued behind it
wait their turn meanwhile, so a retried write is never overtaken. Only a write still failing after that, or one
that is wrong in itself (a constraint, a bug), is given up, and logged at ERROR with its call and its data.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Final

from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection

from synclead.gateway import metrics

log = logging.getLogger(__name__)

# Long enough to ride out a database restart or a failover; past it, holding every later write back (the other
# calls' utterances, their ends) costs more than the one write does.
RETRY_FOR_S: Final = 60.0
FIRST_BACKOFF_S: Final = 0.1
MAX_BACKOFF_S: Final = 2.0
# SQLite's own words for a lock held by someone else or a file it cannot reach for now. Its other
# OperationalErrors ("no such table", a syntax error) are bugs: trying again would only hold the queue up.
_SQLITE_PASSING: Final = ("locked", "busy", "disk i/o error", "unable to open database file", "disk is full")

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synclead-db")


def is_transient(exc: BaseException) -> bool:
    """Whether `exc` says the database is unavailable for now, rather than that the write itself is wrong."""
    if isinstance(exc, InterfaceError):
        return True  # the connection is closed or broken: a new one may work
    if not isinstance(exc, OperationalError):
        return False
    if connection.vendor != "sqlite":
        # psycopg's OperationalError is the server's state, not the statement's: connection lost, server shutting
        # down, a lock or statement timeout, a deadlock or serialization failure.
        return True
    return any(words in str(exc).lower() for words in _SQLITE_PASSING)


def _reconnect() -> None:
    # A connection the server dropped stays broken; the next query opens a fresh one. Closing also ends whatever
    # transaction the failure left open, so the write starts over from the beginning.
    try:
        connection.close()
    except DatabaseError:
        log.debug("closing the broken database connection failed", exc_info=True)


def _with_retries[T](fn: Callable[[], T], what: str) -> T:
    started = time.monotonic()
    backoff = FIRST_BACKOFF_S
    attempt = 1
    while True:
        close_old_connections()
        try:
            result = fn()
        except Exception as exc:
            waited = time.monotonic() - started
            if not is_transient(exc) or waited + backoff > RETRY_FOR_S:
                raise
            log.warning(
                "database unavailable for %s (%s); attempt %d failed, trying again in %.1f s",
                what,
                " ".join(str(exc).split()) or type(exc).__name__,
                attempt,
                backoff,
            )
            metrics.DATABASE_RETRIES.inc()
            _reconnect()
            time.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)
            attempt += 1
            continue
        if attempt > 1:
            late_s = time.monotonic() - started
            log.warning("database back: %s written at attempt %d, %.1f s late", what, attempt, late_s)
        return result


def submit(fn: Callable[[], object], *, call_sid: str = "", data: Any = None) -> None:
    """Fire and forget, in order after every write submitted before. A write that cannot be made is logged with
    `call_sid` and `data` (what it carried, so that nothing the caller said is lost without a trace), never raised
    into the call."""
    what = f"call {call_sid}" if call_sid else "a write"

    def done(future: Future[object]) -> None:
        exc = future.exception()
        if exc is not None:
            metrics.DATABASE_WRITES_LOST.inc()
            log.error(
                "database write lost for %s: %r",
                what,
                data,
                exc_info=exc,
                extra={"call_sid": call_sid, "lost_write": repr(data)} if call_sid else {},
            )

    _executor.submit(_with_retries, fn, what).add_done_callback(done)


async def run[T](fn: Callable[[], T]) -> T:
    """Run `fn` on the database thread, after every write queued before it, and wait for its result (retried like
    a write; the error is raised once the database has been unavailable for `RETRY_FOR_S`)."""
    return await asyncio.wrap_future(_executor.submit(_with_retries, fn, getattr(fn, "__name__", "a query")))


def drain() -> None:
    """Wait until every write queued so far is done (tests, shutdown)."""
    _executor.submit(lambda: None).result()
