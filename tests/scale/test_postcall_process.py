"""`serve` runs the post-call worker in a process of its own beside the gateways: lower priority, restarted when it
dies, stopped with them — and the gateways run no jobs themselves."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from synclead.gateway.postcall_process import NICENESS
from tests.faults.harness import base_env
from tests.processes import free_port, spawn, wait_ready

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads the process tree from /proc")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with open(task / "children") as listing:
            found += [int(child) for child in listing.read().split()]
    return found


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def _niceness(pid: int) -> int:
    # Field 19 of /proc/PID/stat, counted after the command name (which may hold spaces) closes.
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _workers(pid: int) -> list[int]:
    return [child for child in _children(pid) if "worker" in _cmdline(child)]


def _wait(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_serve_runs_post_call_jobs_in_a_sibling_process(tmp_path: Path) -> None:
    port = free_port()
    env = base_env(tmp_path / "data", "", SYNCLEAD_PUBLIC_URL=f"http://127.0.0.1:{port}")
    env.pop("SYNCLEAD_DATABASE_URL")
    command = [sys.executable, "-m", "synclead.bench.server", "--port", str(port), "--workers", "2"]
    serve = spawn("serve", command, env, tmp_path, port)
    try:
        wait_ready(serve)
        [worker] = _wait(lambda: _workers(serve.popen.pid), 30, "the post-call worker")
        assert _niceness(worker) == NICENESS, "reports would compete with the calls' audio on equal terms"
        gateways = [child for child in _children(serve.popen.pid) if "spawn_main" in " ".join(_cmdline(child))]
        assert len(gateways) == 2
        for gateway in gateways:  # the gateways know the jobs run elsewhere, and start no worker thread
            assert "SYNCLEAD_POSTCALL_SIBLING=1" in Path(f"/proc/{gateway}/environ").read_bytes().decode()

        os.kill(worker, signal.SIGKILL)
        [replacement] = _wait(lambda: [w for w in _workers(serve.popen.pid) if w != worker], 30, "a new worker")
        assert "post-call worker exited" in serve.text()

        serve.signal(signal.SIGTERM)
        serve.popen.wait(60)
        assert not _alive(replacement), "the worker outlived the service"
    finally:
        serve.stop()
