"""The gateway's Prometheus metrics, served at `GET /metrics`.

With several gateway processes (`synclead serve --workers N`) each writes its samples to files in
PROMETHEUS_MULTIPROC_DIR (set by `serve` before the processes start) and a scrape of any of them adds them all up,
so one scrape describes the whole machine; the gauge of calls in progress counts live processes only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

ACTIVE_CALLS = Gauge(
    "synclead_active_calls", "Calls whose media stream this gateway carries now.", multiprocess_mode="livesum"
)
CALLS_STARTED = Counter("synclead_calls_started", "Media streams accepted and started.")
CALLS_ENDED = Counter("synclead_calls_ended", "Calls ended, by why the agent's side ended.", ["reason"])
TURN_LATENCY = Histogram(
    "synclead_turn_latency_seconds",
    "From the end of the caller's turn to the agent's first audio.",
    buckets=(0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.2, 1.5, 2.0, 3.0, 5.0, 10.0),
)
GREETING_LATENCY = Histogram(
    "synclead_greeting_latency_seconds",
    "From the stream's start to the greeting's first audio.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0),
)
LATE_FRAMES = Counter(
    "synclead_outbound_frames_late",
    "Outbound audio frames sent more than 20 ms after the previous frame's audio ran out (a gap the caller hears).",
)
WEBHOOK_LATENCY = Histogram(
    "synclead_webhook_latency_seconds",
    "Time to answer a Twilio webhook, from request to response start.",
    ["webhook"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
PROVIDER_ERRORS = Counter("synclead_provider_errors", "Errors from speech and language providers.", ["provider"])
PROVIDER_FALLBACKS = Counter(
    "synclead_provider_fallbacks", "Calls switched to the offline fallback of a provider.", ["provider"]
)
DATABASE_RETRIES = Counter(
    "synclead_database_write_retries",
    "Database writes tried again because the database was locked or unreachable (nothing lost unless given up).",
)
DATABASE_WRITES_LOST = Counter(
    "synclead_database_writes_lost",
    "Database writes given up: still failing after the retry period, or wrong in themselves (logged at ERROR).",
)
RECORDINGS_LOST = Counter(
    "synclead_recordings_lost", "Call recordings that could not be written (the call went on without).", ["reason"]
)


class PostcallQueue:
    """Post-call jobs waiting for a worker, read at scrape time from wherever the jobs are queued."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("synclead_postcall_queue_depth", "Post-call jobs waiting for a worker.")
        with contextlib.suppress(Exception):  # a scrape must answer even when the queue cannot be read
            depth.add_metric([], _queue_depth())
        yield depth


def _queue_depth() -> int:
    from django.tasks import task_backends

    backend = task_backends["default"]
    if type(backend).__name__ == "RQBackend":
        import django_rq

        return django_rq.get_queue("default").count
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status="READY").count()


def exposition() -> bytes:
    """The text a scrape gets: this process's metrics, or every gateway process's on this machine."""
    path = os.environ.get(MULTIPROC_ENV)
    registry = CollectorRegistry()
    if path:
        _forget_dead_processes(Path(path))
        multiprocess.MultiProcessCollector(registry, path=path)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    queue = CollectorRegistry()
    queue.register(PostcallQueue())
    return generate_latest(registry) + generate_latest(queue)


_LIVE_FILE = re.compile(r"gauge_live\w*_(\d+)\.db$")


def _forget_dead_processes(path: Path) -> None:
    # A process killed outright never says it is gone; its live gauges (calls in progress) would count forever.
    for file in path.glob("gauge_live*_*.db"):
        match = _LIVE_FILE.search(file.name)
        if match and not _alive(int(match.group(1))):
            multiprocess.mark_process_dead(int(match.group(1)), str(path))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
