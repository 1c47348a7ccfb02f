"""Events between processes: what happens in a call (for live views), and commands for the process holding a call.

`get_bus()` is Redis pub/sub when SYNCLEAD_REDIS_URL is set, so a dashboard served by one gateway process reaches a
call carried by another; otherwise an in-process bus, and the embedded default needs no Redis. Delivery is
best-effort and at most once, like pub/sub itself: the database stays the record of what was said.
"""

from __future__ import annotations

from functools import lru_cache

from synclead.events.bus import Bus, LocalBus

COMMANDS = "synclead.commands"


def call_channel(call_sid: str) -> str:
    """Where a call's live events (utterances, its end) are published."""
    return f"synclead.call.{call_sid}"


def organization_channel(organization_id: int) -> str:
    """Where an organization's calls announce that they started and ended (the live calls page)."""
    return f"synclead.organization.{organization_id}"


@lru_cache(maxsize=1)
def get_bus() -> Bus:
    from synclead.config import get_settings

    url = get_settings().redis_url
    if url:
        from synclead.events.redis_bus import RedisBus

        return RedisBus(url)
    return LocalBus()


__all__ = ["COMMANDS", "Bus", "LocalBus", "call_channel", "get_bus", "organization_channel"]
