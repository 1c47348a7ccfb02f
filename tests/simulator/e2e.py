"""Running `synclead` as a user would, in its own process and its own data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def offline_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The embedded default: no public URL, no Twilio account, no language model, unless `extra` says so."""
    env = {**os.environ, "SYNCLEAD_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "synclead.web.settings"}
    for var in (
        "SYNCLEAD_PUBLIC_URL",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_ACCOUNT_SID",
        "SYNCLEAD_LLM",
        "SYNCLEAD_EMAIL_BACKEND",
    ):
        env.pop(var, None)
    return env | extra


def synclead(*args: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "synclead.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def demo_env(data_dir: Path) -> dict[str, str]:
    """An offline environment with the demo agency (and its knowledge base) set up."""
    env = offline_env(data_dir)
    setup = synclead("demo", "--no-serve", env=env, timeout=300)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return env


def place_call(env: dict[str, str], folder: Path, turns: list[str], *, caller: str, org: str = "demo") -> dict:
    """`synclead call` with a scripted English caller at twice real speed; returns the server's report."""
    script = folder / "call.json"
    script.write_text(json.dumps({"language": "en", "from": caller, "turns": turns}))
    report = folder / "report.json"
    args = ["call", "--org", org, "--script", str(script), "--report", str(report), "--speed", "2"]
    done = synclead(*args, env=env, timeout=500)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(report.read_text())
