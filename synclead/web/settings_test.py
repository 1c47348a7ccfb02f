"""Settings for the test suite: a throw-away data directory and a known Twilio account.

Chosen through the environment before `synclead.web.settings` reads it, so every test run, one file or all of
them, starts from the same place. Prepared model files are kept between runs (they take seconds to build).
"""

import os
import tempfile

_data_dir = os.environ.get("SYNCLEAD_DATA_DIR") or tempfile.mkdtemp(prefix="synclead-test-")
# pytest-xdist starts its workers with the controller's environment, this directory included: each worker takes a
# folder of its own inside it, or they would share recordings and the database file.
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and os.path.basename(_data_dir) != _worker:
    _data_dir = os.path.join(_data_dir, _worker)
os.environ["SYNCLEAD_DATA_DIR"] = _data_dir
os.environ.setdefault("SYNCLEAD_MODELS_DIR", os.path.expanduser("~/.cache/synclead/models"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("SYNCLEAD_PUBLIC_URL", "https://synclead.test")
os.environ.setdefault("TWILIO_AUTH_TOKEN", "test-auth-token")
os.environ.setdefault("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
# The https:// public URL above makes this the production profile, which wants a mail server or this explicit "none".
os.environ.setdefault("SYNCLEAD_EMAIL_BACKEND", "console")

from synclead.config import reload_settings  # noqa: E402

reload_settings()

from synclead.web.settings import *  # noqa: E402, F403
from synclead.web.settings import DATA_DIR, DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file in the data directory, locked as production's is, not Django's default for tests (a shared-cache
    # in-memory database). There SQLite locks whole tables and a connection that meets another's lock fails at once
    # ("database table is locked") instead of waiting its turn: the gateway's writer thread, the post-call worker and
    # the test's own queries, which run side by side, would lose each other's writes at random.
    DATABASES["default"]["TEST"] = {"NAME": DATA_DIR / "test.sqlite3"}
    # A throw-away database needs no fsync per commit.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["init_command"] = _options.get("init_command", "") + ";PRAGMA synchronous=OFF;"

# The test servers speak plain http on loopback, where httpx would not send a Secure cookie back (Chromium makes an
# exception for localhost, other clients do not). The production profile's own values are checked in a subprocess.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
# Tests send the Host they need, an attacker's included, to show that what a request claims is not believed.
ALLOWED_HOSTS = ["*"]
