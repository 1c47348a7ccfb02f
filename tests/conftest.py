"""Shared test set-up: a throw-away data directory for every test session."""

from __future__ import annotations

import os
import tempfile

# Settings are read once at import time, so the data directory must be chosen before Django starts.
os.environ.setdefault("SYNCLEAD_DATA_DIR", tempfile.mkdtemp(prefix="synclead-test-"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("SYNCLEAD_PUBLIC_URL", "https://synclead.test")
os.environ.setdefault("TWILIO_AUTH_TOKEN", "test-auth-token")
os.environ.setdefault("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
os.environ.setdefault("SYNCLEAD_MODELS_DIR", os.path.expanduser("~/.cache/synclead/models"))
