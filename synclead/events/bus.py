"""The bus's interface, and the in-process bus the embedded default uses."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Any, Protocol

Message = dict[str, Any]
# A subscriber that falls this far behind loses messages rather than holding memory for a reader that left.
QUEUE_LIMIT = 1000


class Bus(Protocol):
    def publish(self, channel: str, message: Message) -> None:
        """Send `message` to the channel's subscribers. Safe from any thread; never blocks on the network."""
        ...

    def subscribe(self, channel: str) -> contextlib.AbstractAsyncContextManager[AsyncIterator[Message]]:
        """Messages published on `channel` from now on, until the context exits."""
        ...


class LocalBus:
    """Subscribers in this process only: each gets a queue on its own event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Message]]]] = {}

    def publish(self, channel: str, message: Message) -> None:
        with self._lock:
            subscribers = list(self._subscribers.get(channel, ()))
        for loop, queue in subscribers:
            with contextlib.suppress(RuntimeError):  # that loop has closed: its subscriber is gone
                loop.call_soon_threadsafe(_offer, queue, message)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Message]]:
        entry = (asyncio.get_running_loop(), asyncio.Queue[Message](QUEUE_LIMIT))
        with self._lock:
            self._subscribers.setdefault(channel, set()).add(entry)
        try:
            yield _drain(entry[1])
        finally:
            with self._lock:
                self._subscribers.get(channel, set()).discard(entry)


def _offer(queue: asyncio.Queue[Message], message: Message) -> None:
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(message)


async def _drain(queue: asyncio.Queue[Message]) -> AsyncIterator[Message]:
    while True:
        yield await queue.get()
