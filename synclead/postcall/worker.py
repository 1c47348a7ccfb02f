"""Run post-call jobs inside the gateway process when nothing else runs them (a gateway embedded in the tests).

Only for the database backend: its worker loop polls the job table from a daemon thread. `synclead serve` runs
the worker in a process of its own beside the gateways instead (gateway/postcall_process.py) and tells them so;
deployments that run `synclead worker`, or another backend's workers, set SYNCLEAD_WORKER=external.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from synclead.config import get_settings

log = logging.getLogger(__name__)

# Set by `serve` for its gateway processes: the post-call worker runs beside them, not in a thread of each.
SIBLING_ENV = "SYNCLEAD_POSTCALL_SIBLING"

_lock = threading.Lock()
_running: tuple[threading.Thread, object] | None = None


def start_inprocess_worker(interval_s: float = 0.5) -> threading.Thread | None:
    """Start the in-process worker thread (once per process); None when jobs are run elsewhere."""
    global _running
    from django.tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.management.commands.db_worker import Worker

    if get_settings().worker != "inprocess" or not isinstance(task_backends["default"], DatabaseBackend):
        return None
    if os.environ.get(SIBLING_ENV) == "1":
        return None
    with _lock:
        if _running is not None and _running[0].is_alive():
            return _running[0]
        worker = Worker(
            queue_names=["*"],
            interval=interval_s,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"inprocess-{os.getpid()}",
            excluded_queue_names=[],
        )
        thread = threading.Thread(target=_run, args=(worker,), name="synclead-postcall", daemon=True)
        thread.start()
        _running = (thread, worker)
        return thread


def stop_inprocess_worker(timeout_s: float = 5.0) -> None:
    """Ask the worker to stop after its current job, and wait for it."""
    global _running
    with _lock:
        running, _running = _running, None
    if running is not None:
        thread, worker = running
        worker.running = False  # type: ignore[attr-defined]
        thread.join(timeout_s)


def _run(worker) -> None:
    from django.db import close_old_connections

    # The loop only ends on shutdown; a database error (a restart, a lock) must not stop jobs for the process's life.
    while worker.running:
        try:
            worker.run()
        except Exception:
            log.exception("post-call worker loop failed; restarting in 5 s")
            close_old_connections()
            time.sleep(5)
    close_old_connections()
