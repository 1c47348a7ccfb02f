"""The bus on Redis pub/sub, for several gateway processes and machines.

Publishing goes through one background thread with a synchronous client, so a caller on the event loop or in a
Django view never waits on the network; subscribing uses the asyncio client on the subscriber's own loop.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from collections.abc import AsyncIterator

import redis
import redis.asyncio

from synclead.events.bus import Message

log = logging.getLogger(__name__)

# Messages waiting for the publisher thread; past this (Redis down for long), new ones are dropped and logged.
BACKLOG = 10_000


class RedisBus:
    def __init__(self, url: str) -> None:
        self.url = url
        # (channel, JSON) to publish, or an Event to set once everything queued before it is published.
        self._outbox: queue.Queue[tuple[str, str] | threading.Event] = queue.Queue(BACKLOG)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def publish(self, channel: str, message: Message) -> None:
        self._ensure_publisher()
        try:
            self._outbox.put_nowait((channel, json.dumps(message, default=str)))
        except queue.Full:
            log.warning("event bus backlog full: dropped a message for %s", channel)

    def flush(self, timeout_s: float = 5.0) -> bool:
        """Wait until every message published so far has been handed to Redis (tests, shutdown)."""
        done = threading.Event()
        self._ensure_publisher()
        self._outbox.put(done)
        return done.wait(timeout_s)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[AsyncIterator[Message]]:
        client = redis.asyncio.Redis.from_url(self.url)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(channel)
        try:
            yield _messages(pubsub)
        finally:
            with contextlib.suppress(Exception):  # the connection may already be gone; nothing to clean then
                await pubsub.aclose()
                await client.aclose()

    def _ensure_publisher(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._publish_loop, name="synclead-events", daemon=True)
                self._thread.start()

    def _publish_loop(self) -> None:
        client = redis.Redis.from_url(self.url, socket_timeout=5, health_check_interval=30)
        while True:
            item = self._outbox.get()
            if isinstance(item, threading.Event):
                item.set()
                continue
            channel, data = item
            try:
                client.publish(channel, data)
            except redis.RedisError as exc:
                log.warning("event bus: could not publish to %s: %s", channel, exc)


async def _messages(pubsub: redis.asyncio.client.PubSub) -> AsyncIterator[Message]:
    async for raw in pubsub.listen():
        if raw.get("type") != "message":
            continue
        try:
            yield json.loads(raw["data"])
        except (ValueError, TypeError):
            log.warning("event bus: ignored a message that is not JSON on %s", raw.get("channel"))
