"""One thread that does every database write of the gateway, in order.

The call engine must never wait on the database, and SQLite takes one writer at a time: a single queue-fed
thread gives both, and keeps each call's rows in the order things happened.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import close_old_connections

log = logging.getLogger(__name__)
T = TypeVar("T")

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synclead-db")


def _guarded[T](fn: Callable[[], T]) -> T:
    close_old_connections()
    return fn()


def submit(fn: Callable[[], object]) -> None:
    """Fire and forget; failures are logged, never raised into the call."""

    def done(future) -> None:
        if future.exception() is not None:
            log.error("database write failed", exc_info=future.exception())

    _executor.submit(_guarded, fn).add_done_callback(done)


async def run[T](fn: Callable[[], T]) -> T:
    """Run `fn` on the database thread and wait for its result."""
    return await asyncio.wrap_future(_executor.submit(_guarded, fn))


def drain() -> None:
    """Wait until every write queued so far is done (tests, shutdown)."""
    _executor.submit(lambda: None).result()
