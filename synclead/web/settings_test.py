"""Settings for the test suite: a throw-away data directory and a known Twilio account.

Chosen through the environment before `synclead.web.settings` reads it, so every test run, one file or all of
them, starts from the same place. Prepared model files are kept between runs (they take seconds to build).
"""

import os
import tempfile

os.environ.setdefault("SYNCLEAD_DATA_DIR", tempfile.mkdtemp(prefix="synclead-test-"))
os.environ.setdefault("SYNCLEAD_MODELS_DIR", os.path.expanduser("~/.cache/synclead/models"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("SYNCLEAD_PUBLIC_URL", "https://synclead.test")
os.environ.setdefault("TWILIO_AUTH_TOKEN", "test-auth-token")
os.environ.setdefault("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)

from synclead.config import reload_settings

reload_settings()

from synclead.web.settings import *  # noqa: E402, F403
