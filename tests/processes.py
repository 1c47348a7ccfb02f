"""Processes the multi-process and fault suites start: spawn them, wait until they are ready, watch them.

Real processes on real sockets, so that what a test injects from outside (a kill, a lock, a full disk) meets the
product as it would in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.text().splitlines()[-lines:])

    def signal(self, signum: int) -> None:
        self.popen.send_signal(signum)

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to write anything more."""
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def spawn(name: str, command: Sequence[str], env: dict[str, str], work: Path, port: int = 0) -> Process:
    log = work / f"{name}.log"
    with log.open("ab") as out:
        popen = subprocess.Popen(list(command), env=env, cwd=work, stdout=out, stderr=subprocess.STDOUT)
    return Process(name, popen, log, port)


def wait_ready(process: Process, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise AssertionError(f"{process.name} exited with {process.popen.returncode}:\n{process.tail()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{process.url}/readyz", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"{process.name} was not ready in {timeout_s:.0f} s:\n{process.tail()}")


def scrape(process: Process, name: str) -> float:
    """One sample of the process's /metrics (0 when the counter was never touched)."""
    text = httpx.get(f"{process.url}/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def wait_for(predicate: Callable[[], Any], timeout_s: float, what: str, interval_s: float = 0.2) -> Any:
    """Poll `predicate` (blocking, run in a thread) until it returns something truthy."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = await asyncio.to_thread(predicate)
        if last:
            return last
        await asyncio.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}; last: {last!r}")
