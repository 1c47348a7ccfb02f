"""A database of their own for tests whose processes share one: SQLite in their folder, or a fresh PostgreSQL one.

The suite's second pass runs against PostgreSQL (SYNCLEAD_DATABASE_URL); processes started by a test must not
write into that server's main database, which every such test would share.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from urllib.parse import urlparse, urlunparse


@contextlib.contextmanager
def own_database() -> Iterator[str]:
    """The SYNCLEAD_DATABASE_URL for the test's processes: "" (SQLite in their data directory), or a fresh database
    on the PostgreSQL server the suite runs against, dropped afterwards."""
    base = os.environ.get("SYNCLEAD_DATABASE_URL", "")
    if not base:
        yield ""
        return
    import psycopg

    name = f"synclead_{secrets.token_hex(6)}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunparse(urlparse(base)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
