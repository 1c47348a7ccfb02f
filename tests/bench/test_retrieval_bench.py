"""`python -m synclead.bench.retrieval` on a small knowledge base: it runs end to end and reports every figure."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_retrieval_benchmark_runs() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SYNCLEAD_DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [sys.executable, "-m", "synclead.bench.retrieval", "--passages", "300", "--rounds", "1", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["database"] == "SQLite" and figures["passages"] == 300
    assert figures["queries"] == 60
    assert figures["top3"] >= 0.8
    for name in ("search", "search (CPU)", "embed", "lexical", "dense"):
        timing = figures["timings"][name]
        assert 0 <= timing["p50"] <= timing["p95"] <= timing["max"]
    assert figures["timings"]["search"]["p50"] > 0
