"""Serving an ASGI app inside the simulator's own event loop, on a free loopback port.

The socket is bound before uvicorn starts, so the port is known (and ours) before anything needs the URL: the
in-process gateway must be told its public URL before its app is built.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn

from synclead.gateway.server import uvicorn_config


def bind_free_port(host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


@contextlib.asynccontextmanager
async def serving(app: Any, sock: socket.socket | None = None, **overrides: Any) -> AsyncIterator[str]:
    """Run `app` until the block exits; yields its base URL (http://127.0.0.1:PORT)."""
    sock = sock or bind_free_port()
    host, port = sock.getsockname()[:2]
    server = uvicorn.Server(uvicorn_config(app, **overrides))
    # uvicorn installs signal handlers in `run`, not in `serve`; Ctrl-C stays with the command.
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the server stopped before it started")
            await asyncio.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)
        sock.close()
