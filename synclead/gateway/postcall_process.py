"""The post-call worker that `serve` runs beside its gateway processes when no external worker is configured.

Reports (name check, intent embeddings, summary, notifications) are seconds of Python per call. In a thread of a
gateway process they hold the interpreter lock that the media loop needs every 20 ms: at 150 calls a report job
stretched outbound frame gaps to 80 ms. In a process of their own, at a lower CPU priority, the kernel hands the
cores to the calls first and the reports take what is left, still within seconds.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading

from synclead.postcall.worker import SIBLING_ENV

log = logging.getLogger(__name__)

# Niceness of the worker: reports may wait; a late audio frame is a gap the caller hears.
NICENESS = 10
RESTART_DELAY_S = 5.0
STOP_TIMEOUT_S = 30.0


class PostcallProcess:
    """`synclead worker` as a child process, restarted if it dies, stopped after the gateways."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    def start(self) -> None:
        os.environ[SIBLING_ENV] = "1"
        self._spawn()
        self._supervisor = threading.Thread(target=self._supervise, name="synclead-postcall-supervisor", daemon=True)
        self._supervisor.start()

    def _spawn(self) -> None:
        command = [sys.executable, "-c", "from synclead.cli import main; main()", "worker"]
        # Its own process group: a Ctrl-C in the terminal reaches the gateways, which drain first; the worker is
        # stopped after them, so the reports of the last calls are still written.
        self._process = subprocess.Popen(command, preexec_fn=_lower_priority, start_new_session=True)
        log.info("post-call worker started (pid %d)", self._process.pid)

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            process = self._process
            if process is None:
                return
            code = process.wait()
            if self._stopping.is_set():
                return
            log.error("post-call worker exited with %s; restarting in %.0f s", code, RESTART_DELAY_S)
            if self._stopping.wait(RESTART_DELAY_S):
                return
            self._spawn()

    def stop(self) -> None:
        """Let the worker finish its current job, then end it."""
        self._stopping.set()
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log.warning("post-call worker still busy after %.0f s; killing it", STOP_TIMEOUT_S)
            process.kill()
            process.wait()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None


_PR_SET_PDEATHSIG = 1


def _lower_priority() -> None:
    os.nice(NICENESS)
    # A `serve` killed outright must not leave its worker behind: the next `serve` would start a second one.
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
