"""Run post-call jobs inside the gateway process, so the default one-process deployment needs no second command.

Only for the database backend: its worker loop polls the job table from a daemon thread. Deployments that run
`synclead db_worker`, or another backend's workers, set SYNCLEAD_WORKER=external and this does nothing.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from synclead.config import get_settings

log = logging.getLogger(__name__)

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
