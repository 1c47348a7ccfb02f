"""Whether this process takes new calls: the state a draining gateway shares with its webhooks and probes.

A gateway told to stop (SIGTERM) drains: readiness goes false so a load balancer stops sending it work, the voice
webhook answers new calls with the voicemail fallback instead of a stream, and calls already connected run to their
end. Plain module state, because one process is one gateway; several processes each drain on their own.
"""

from __future__ import annotations

import threading
import time

_draining = threading.Event()
_last_admitted = 0.0


def draining() -> bool:
    return _draining.is_set()


def begin_drain() -> None:
    _draining.set()


def admitted() -> None:
    """A call was answered with a stream: its WebSocket is on its way, so the process must wait for it."""
    global _last_admitted
    _last_admitted = time.monotonic()


def seconds_since_admission() -> float:
    return time.monotonic() - _last_admitted if _last_admitted else float("inf")


def reset() -> None:
    """Back to taking calls (a process is never un-drained in production; tests reuse theirs)."""
    global _last_admitted
    _draining.clear()
    _last_admitted = 0.0
