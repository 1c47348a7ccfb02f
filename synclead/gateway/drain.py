"""Stopping a gateway without dropping a call: SIGTERM starts a drain, and the server stops when it is done.

uvicorn stops at once on SIGTERM and closes every WebSocket with 1012, which Twilio answers by running the
fallback: each caller in the middle of a conversation would be sent to voicemail. So the gateway puts its own
handler in front of uvicorn's: the first SIGTERM stops taking calls (`synclead.lifecycle`) and waits until the calls
in progress have ended (or `SYNCLEAD_DRAIN_TIMEOUT_S` has passed), then hands the signal to uvicorn, which shuts down
as usual. A second SIGTERM skips the wait. SIGINT (Ctrl-C at a terminal) is left to uvicorn: immediate.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from synclead import lifecycle

log = logging.getLogger(__name__)

# A call answered with a stream just before the drain began connects within a second or two; wait for it.
ADMISSION_GRACE_S = 3.0
POLL_S = 0.2


def install(active_calls: Callable[[], int], timeout_s: float) -> bool:
    """Take over SIGTERM for the running server; False where signals cannot be handled (not the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return False
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGTERM)
    tasks: set[asyncio.Task[None]] = set()

    def stop() -> None:
        if callable(previous):
            previous(signal.SIGTERM, None)
        else:  # no server handler (run outside uvicorn): behave as the default disposition would
            raise SystemExit(128 + signal.SIGTERM)

    async def drain() -> None:
        deadline = loop.time() + timeout_s
        log.info("draining: %d call(s) in progress, waiting up to %.0f s", active_calls(), timeout_s)
        # Polled: "no call left and none on its way" is a count and a clock, not an event anyone sets.
        while loop.time() < deadline and (  # noqa: ASYNC110
            active_calls() or lifecycle.seconds_since_admission() < ADMISSION_GRACE_S
        ):
            await asyncio.sleep(POLL_S)
        left = active_calls()
        if left:
            log.warning("drain timed out with %d call(s) in progress: they go to the voicemail fallback", left)
        else:
            log.info("drained: no call in progress, shutting down")
        stop()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if lifecycle.draining():
            log.warning("second SIGTERM: shutting down without waiting for calls")
            stop()
            return
        lifecycle.begin_drain()

        def start() -> None:
            task = loop.create_task(drain())
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        loop.call_soon_threadsafe(start)

    signal.signal(signal.SIGTERM, on_sigterm)
    return True
