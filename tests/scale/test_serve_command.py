"""`synclead serve --workers` refuses what it cannot run, as a user types it."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(("value", "reason"), [("0", "between 1 and 256"), ("two", "whole number")])
def test_a_bad_worker_count_is_refused_in_one_line(tmp_path, value: str, reason: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "synclead.cli", "serve", "--workers", value],
        env={"SYNCLEAD_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--workers" in done.stderr and reason in done.stderr
    assert "Traceback" not in done.stderr
