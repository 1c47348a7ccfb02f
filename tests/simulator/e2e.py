"""Running `synclead` as a user would, in its own process and its own data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def offline_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The embedded default: no public URL, no Twilio account, no language model, unless `extra` says so."""
    env = {**os.environ, "SYNCLEAD_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "synclead.web.settings"}
    for var in ("SYNCLEAD_PUBLIC_URL", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "SYNCLEAD_LLM"):
        env.pop(var, None)
    return env | extra


def synclead(*args: str, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "synclead.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
