"""`synclead bench` with two calls for a few seconds: every key is there and the values are sane."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KEYS = {
    "calls",
    "cpu_core_per_call",
    "jitter_ms_p50",
    "jitter_ms_p99",
    "late_frames",
    "lost_frames",
    "greeting_ms_p50",
    "barge_in_ms_p50",
    "memory_mb_per_call",
    "inputs",
    "machine",
}


@pytest.mark.slow
def test_two_calls(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    env = os.environ | {"SYNCLEAD_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "synclead.cli", "bench", "--calls", "2", "--seconds", "14", "--json", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert set(result) >= KEYS
    assert result["calls"] == 2 and result["calls_completed"] == 2 and result["calls_failed"] == 0
    assert 0 < result["cpu_core_per_call"] < 0.5
    assert result["frames_received"] > 300 and result["lost_frames"] == 0 and result["protocol_errors"] == 0
    # Loose bounds: a shared test machine is not a quiet benchmark machine.
    assert result["jitter_ms_p50"] is not None and result["jitter_ms_p99"] < 40
    assert result["greeting_ms_p50"] < 500
    assert result["barge_ins"] >= 1 and result["barge_in_ms_p50"] < 1000
    assert result["reply_ms_p50"] > result["inputs"]["end_of_turn_ms"] / 2
    assert result["machine"]["cpus_usable"] >= 1
