"""The `synclead` command: Django's management commands with SYNCLEAD's settings.

`synclead serve`, `synclead org add`, `synclead call`, `synclead bench`, `synclead demo`, and Django's own
(`migrate`, `createsuperuser`, ...).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "synclead.web.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["synclead", *(sys.argv[1:] if argv is None else argv)])
    except ImproperlyConfigured as exc:
        # A setting to fix, said in one line: the traceback through Django's loading says nothing more.
        sys.exit(f"synclead: {exc}")


if __name__ == "__main__":
    main()
