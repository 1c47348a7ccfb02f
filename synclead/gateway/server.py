"""How gateway processes are served: uvicorn with the options the media stream wants, on one port or several.

One Python process uses one core. `serve` with more than one worker binds the port once and starts that many
processes on it (uvicorn's supervisor: the kernel spreads connections over them, a process that dies is replaced);
each builds its own application from an import string, so nothing but the listening socket is shared. A call's
webhook and its WebSocket may reach different processes: everything a stream needs at `start` is in the database.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from synclead.config import get_settings
from synclead.gateway.metrics import MULTIPROC_ENV
from synclead.gateway.postcall_process import PostcallProcess


def uvicorn_config(app: Any, **overrides: Any) -> uvicorn.Config:
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        # The sans-I/O websockets implementation costs the least per message, and Twilio does not negotiate
        # permessage-deflate: compressing 160-byte frames would only cost CPU.
        "ws": "websockets-sansio",
        "ws_per_message_deflate": False,
        # Twilio frames are small; anything near this size is malformed and refused before it is parsed.
        "ws_max_size": 64 * 1024,
        # uvloop where it is installed (every platform but Windows): the media path is thousands of small reads
        # and writes a second, and its C event loop spends about a tenth less CPU per call on them.
        "loop": "auto",
        "lifespan": "auto",
        # uvicorn's own log set-up would replace Django's JSON one for its loggers.
        **({"log_config": None} if get_settings().log_format == "json" else {}),
    }
    options.update(overrides)
    return uvicorn.Config(app, **options)


def serve(factory: str, *, host: str, port: int, workers: int, **overrides: Any) -> None:
    """Serve the application `factory` ("module:function") with `workers` processes; returns when stopped.

    Unless an external worker runs the post-call jobs (SYNCLEAD_WORKER=external), one more process runs them
    beside the gateways, and is stopped once they have drained.
    """
    if workers > 1:
        os.environ[MULTIPROC_ENV] = str(_metrics_dir())
    config = uvicorn_config(factory, factory=True, host=host, port=port, workers=workers, **overrides)
    jobs = PostcallProcess() if get_settings().worker == "inprocess" else None
    if jobs is not None:
        jobs.start()
    try:
        if workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            uvicorn.Server(config).run()
    finally:
        if jobs is not None:
            jobs.stop()


def _metrics_dir() -> Path:
    """Where this machine's gateway processes share their metrics: one folder per `serve`, on local disk.

    Never on a volume shared between machines (each would count the others' calls as its own), and never a folder
    left by an earlier run (its samples would be summed in). An operator's PROMETHEUS_MULTIPROC_DIR is emptied.
    """
    chosen = os.environ.get(MULTIPROC_ENV)
    if not chosen:
        return Path(tempfile.mkdtemp(prefix="synclead-metrics-"))
    path = Path(chosen)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)
    return path


def cpu_cores() -> int:
    """The cores this process may use: its CPU affinity, capped by a container's CPU quota (cgroup v2)."""
    cores = len(os.sched_getaffinity(0))
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        return cores
    if quota == "max":
        return cores
    return max(1, min(cores, math.ceil(int(quota) / int(period))))
