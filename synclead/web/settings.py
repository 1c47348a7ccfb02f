"""Django settings, derived from `synclead.config.Settings` so there is one source of configuration."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from synclead.config import get_settings

_cfg = get_settings()
BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = _cfg.data_dir.resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    # A generated key is kept in the data directory so sessions survive restarts without any setup.
    if _cfg.secret_key:
        return _cfg.secret_key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _database(url: str) -> dict:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "synclead.sqlite3",
            # WAL lets readers go on while one writes; with it, synchronous=NORMAL is safe against a process crash
            # (a power cut may lose the last transactions) and saves an fsync per commit on the call path.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ValueError("SYNCLEAD_DATABASE_URL must be a postgresql:// URL (or unset for SQLite)")
    # libpq's form for a unix socket puts the directory in the query: postgresql://user@/db?host=/run/postgresql
    query = parse_qs(parsed.query)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parsed.path.lstrip("/"),
        "USER": parsed.username or "",
        "PASSWORD": parsed.password or "",
        "HOST": parsed.hostname or query.get("host", [""])[0],
        "PORT": str(parsed.port or query.get("port", [""])[0]),
    }


SECRET_KEY = _secret_key()
DEBUG = _cfg.debug
ALLOWED_HOSTS = ["*"]
CSRF_TRUSTED_ORIGINS = [_cfg.public_url] if _cfg.public_url else []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "synclead.web.organizations",
    "synclead.web.calls",
    "synclead.web.leads",
    "synclead.web.dashboard",
    "synclead.web.service",
    "synclead.knowledge",
    "synclead.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "synclead.web.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": _database(_cfg.database_url)}
# The gateway writes from one long-lived thread: reconnecting for every utterance cost more than the write.
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Post-call jobs (`synclead.postcall.tasks`). By default the ORM-backed backend: jobs are rows in this database, run
# by the gateway's in-process worker (SYNCLEAD_WORKER=inprocess) or by `synclead db_worker` (SYNCLEAD_WORKER=external).
# At scale, SYNCLEAD_TASKS_BACKEND names another backend's class (a Redis-backed or a Celery-backed one, installed
# as a package) and SYNCLEAD_WORKER=external; that backend's own workers then run the same task code.
INSTALLED_APPS += ["django_tasks_db"]
TASKS = {"default": {"BACKEND": _cfg.tasks_backend}}
if _cfg.redis_url:
    # The Redis-backed backend (django-tasks-rq) keeps its jobs in RQ queues; `synclead worker` runs them.
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": _cfg.redis_url, "DEFAULT_TIMEOUT": 600}}

LANGUAGE_CODE = "en"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Lead notifications by email (synclead.notifications). Without SYNCLEAD_EMAIL_HOST mail is printed, not sent.
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _cfg.email_host,
                "port": _cfg.email_port,
                "username": _cfg.email_user,
                "password": _cfg.email_password,
                "use_tls": _cfg.email_use_tls,
                # Without a timeout a silent mail server would hold the post-call worker forever.
                "timeout": 10,
            },
        }
        if _cfg.email_host
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = _cfg.email_from
SERVER_EMAIL = _cfg.email_from

# SYNCLEAD_LOG_FORMAT=json: one JSON object per line, with the call and organization a line is about, for a log
# pipeline to index; uvicorn's own lines go the same way.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"call": {"()": "synclead.logs.CallContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
            "timestamp": False,
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": _cfg.log_format, "filters": ["call"]},
    },
    "loggers": {
        "synclead": {"handlers": ["console"], "level": "INFO", "propagate": False},
        **(
            {name: {"handlers": ["console"], "level": "INFO", "propagate": False} for name in ("uvicorn", "django")}
            if _cfg.log_format == "json"
            else {}
        ),
    },
}
