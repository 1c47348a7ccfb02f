"""Server-sent event streams for the live pages, fed by the event bus (`synclead.events`).

Each stream subscribes first, then reads a snapshot from the database, then forwards events: nothing said between
the snapshot and the subscription is lost, and an utterance both read and heard is sent once (by its key). Pub/sub
keeps no history, so a reconnecting page (EventSource does so by itself) gets a fresh snapshot rather than a replay
from Last-Event-ID; and when the stream is quiet it catches up from the database, which covers events lost while
Redis was away and calls closed by the sweep after their process died.

These are async generators served by Django's ASGI handler: a watched call costs a coroutine, not a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async

from synclead import lifecycle
from synclead.events import Bus, call_channel, get_bus, organization_channel
from synclead.web.dashboard import live_state

log = logging.getLogger(__name__)

# How long a stream stays silent before it catches up from the database and sends a comment to keep proxies from
# closing it; also how soon a draining process lets its streams go (the browser reconnects to another).
QUIET_S = 5.0
# After the call ends, how long the call's page waits for its report before it stops listening.
REPORT_WAIT_S = 180.0
REPORT_POLL_S = 1.0
# Browsers wait this long before reconnecting a dropped stream.
RETRY_MS = 2000


def sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class Subscriptions:
    """Several bus channels read into one queue of (tag, message); channels come and go while it runs."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._tasks: dict[str, asyncio.Task[None]] = {}

    async def add(self, channel: str, tag: str) -> None:
        """Subscribe, and return once the subscription is in place (or has failed: the catch-up then covers)."""
        if channel in self._tasks:
            return
        ready = asyncio.Event()
        self._tasks[channel] = asyncio.create_task(self._pump(channel, tag, ready))
        await ready.wait()

    def drop(self, channel: str) -> None:
        task = self._tasks.pop(channel, None)
        if task is not None:
            task.cancel()

    async def next(self, timeout_s: float) -> tuple[str, dict[str, Any]] | None:
        try:
            return await asyncio.wait_for(self.queue.get(), timeout_s)
        except TimeoutError:
            return None

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _pump(self, channel: str, tag: str, ready: asyncio.Event) -> None:
        try:
            async with self.bus.subscribe(channel) as messages:
                ready.set()
                async for message in messages:
                    if isinstance(message, dict):
                        self.queue.put_nowait((tag, message))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # Redis away: the page still catches up from the database
            log.warning("live stream: cannot listen on %s: %s", channel, exc)
        finally:
            ready.set()


class Sent:
    """The utterances a stream has sent, per call: an utterance read and heard goes out once."""

    def __init__(self) -> None:
        self.keys: dict[str, set[str]] = {}

    def remember(self, state: dict[str, Any]) -> None:
        self.keys[state["call_sid"]] = {u["key"] for u in state["utterances"]}

    def new(self, call_sid: str, utterances: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen = self.keys.setdefault(call_sid, set())
        fresh = [u for u in utterances if u["key"] not in seen]
        seen.update(u["key"] for u in fresh)
        return fresh

    def forget(self, call_sid: str) -> None:
        self.keys.pop(call_sid, None)


def _utterance(call_sid: str, message: dict[str, Any]) -> dict[str, Any] | None:
    try:
        shown = live_state.utterance_event(
            str(message["role"]), str(message["text"]), int(message["start_ms"]), bool(message.get("interrupted"))
        )
    except (KeyError, TypeError, ValueError):
        log.warning("live stream: ignored a malformed utterance event for %s", call_sid)
        return None
    return {**shown, "call_sid": call_sid}


async def call_stream(call_id: int, call_sid: str) -> AsyncIterator[str]:
    """One call's page: the snapshot, then each utterance, the caller's details as understood, the end, the report."""
    load = sync_to_async(live_state.load_call)
    subscriptions = Subscriptions(get_bus())
    sent = Sent()
    try:
        await subscriptions.add(call_channel(call_sid), call_sid)
        state = await load(call_id)
        if state is None:
            return
        sent.remember(state)
        yield f"retry: {RETRY_MS}\n" + sse("snapshot", state)
        ended = not state["live"]
        while not ended and not lifecycle.draining():
            got = await subscriptions.next(QUIET_S)
            if got is None:
                state = await load(call_id)
                if state is None:
                    return
                for utterance in sent.new(call_sid, state["utterances"]):
                    yield sse("utterance", {**utterance, "call_sid": call_sid})
                if not state["live"]:
                    yield sse("ended", {"call_sid": call_sid, "status": state["status"]})
                    ended = True
                else:
                    yield ": quiet\n\n"
                continue
            _, message = got
            kind = message.get("type")
            if kind == "utterance":
                utterance = _utterance(call_sid, message)
                if utterance is not None and sent.new(call_sid, [utterance]):
                    yield sse("utterance", utterance)
            elif kind == "lead" and isinstance(message.get("fields"), dict):
                yield sse("lead", {"call_sid": call_sid, "lead": live_state.lead_event(message["fields"])})
            elif kind == "ended":
                yield sse("ended", {"call_sid": call_sid, "reason": str(message.get("reason", ""))})
                ended = True
        if not ended:
            return
        subscriptions.drop(call_channel(call_sid))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REPORT_WAIT_S
        while loop.time() < deadline and not lifecycle.draining():
            state = await load(call_id)
            if state is None:
                return
            for utterance in sent.new(call_sid, state["utterances"]):
                yield sse("utterance", {**utterance, "call_sid": call_sid})
            if state["report_ready"]:
                yield sse("report", {"call_sid": call_sid, "summary": state["summary"], "lead": state["lead"]})
                return
            await asyncio.sleep(REPORT_POLL_S)
    finally:
        await subscriptions.close()


async def organizations_stream(organization_ids: list[int]) -> AsyncIterator[str]:
    """The live calls page: every call in progress in these organizations, those that start, and what is said."""
    calls = sync_to_async(live_state.live_calls)
    one_call = sync_to_async(live_state.live_call)
    subscriptions = Subscriptions(get_bus())
    sent = Sent()
    watching: set[str] = set()

    async def watch(state: dict[str, Any]) -> None:
        await subscriptions.add(call_channel(state["call_sid"]), state["call_sid"])
        watching.add(state["call_sid"])

    def unwatch(call_sid: str) -> None:
        subscriptions.drop(call_channel(call_sid))
        watching.discard(call_sid)
        sent.forget(call_sid)

    try:
        for organization_id in organization_ids:
            await subscriptions.add(organization_channel(organization_id), "organization")
        current = await calls(organization_ids)
        for state in current:
            await watch(state)
            sent.remember(state)
        yield f"retry: {RETRY_MS}\n" + sse("snapshot", {"calls": current})
        while not lifecycle.draining():
            got = await subscriptions.next(QUIET_S)
            if got is None:
                current = await calls(organization_ids)
                now = {state["call_sid"]: state for state in current}
                for call_sid in sorted(watching - now.keys()):
                    unwatch(call_sid)
                    yield sse("ended", {"call_sid": call_sid})
                for call_sid, state in now.items():
                    if call_sid not in watching:
                        await watch(state)
                        sent.remember(state)
                        yield sse("call", state)
                    else:
                        for utterance in sent.new(call_sid, state["utterances"]):
                            yield sse("utterance", {**utterance, "call_sid": call_sid})
                yield ": quiet\n\n"
                continue
            tag, message = got
            kind = message.get("type")
            call_sid = str(message.get("call_sid", "")) if tag == "organization" else tag
            if tag == "organization" and kind == "started" and call_sid not in watching:
                state = await one_call(organization_ids, call_sid)
                if state is not None:
                    await watch(state)
                    sent.remember(state)
                    yield sse("call", state)
            elif kind == "ended" and call_sid in watching:
                unwatch(call_sid)
                yield sse("ended", {"call_sid": call_sid, "reason": str(message.get("reason", ""))})
            elif tag != "organization" and kind == "utterance":
                utterance = _utterance(call_sid, message)
                if utterance is not None and sent.new(call_sid, [utterance]):
                    yield sse("utterance", utterance)
            elif tag != "organization" and kind == "lead" and isinstance(message.get("fields"), dict):
                yield sse("lead", {"call_sid": call_sid, "lead": live_state.lead_event(message["fields"])})
    finally:
        await subscriptions.close()
