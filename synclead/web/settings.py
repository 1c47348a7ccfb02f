"""Django settings, derived from `synclead.config.Settings` so there is one source of configuration.

An https:// SYNCLEAD_PUBLIC_URL is the production profile: secure cookies, HSTS, the public host only, no debug
pages, and a mail server or an explicit choice of none. `synclead check --deploy` is clean there.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from synclead.config import Settings, get_settings

_cfg = get_settings()
PRODUCTION = _cfg.production
BASE_DIR = Path(__file__).resolve().parent


def _tighten(path: Path, mode: int) -> None:
    """Take away from group and others what `mode` does not grant, on what this process owns.

    A folder someone else owns (a volume mounted by root and shared through its group) is theirs to set, and chmod
    would fail there anyway.
    """
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & ~mode:
        path.chmod(stat.S_IMODE(info.st_mode) & mode)


def _private_directory(path: Path) -> Path:
    # The database, the recordings and the keys live here: the service's own user only. An existing folder left
    # open by an older version is closed too.
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)
    return path


def _private_file(path: Path) -> Path:
    # Created 0600 before anyone writes to it: sqlite3 would create it with the umask (0644, readable by every local
    # user), and SQLite gives its -wal and -shm files the database file's own mode.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for companion in (path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))):
        if companion.exists():
            _tighten(companion, 0o600)
    return path


DATA_DIR = _private_directory(_cfg.data_dir.resolve())


def _secret_key() -> str:
    # A generated key is kept in the data directory so sessions survive restarts without any setup.
    if _cfg.secret_key:
        return _cfg.secret_key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        _private_file(path).write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _database(url: str) -> dict:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _private_file(DATA_DIR / "synclead.sqlite3"),
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

if _cfg.trust_proxy:
    # Only with SYNCLEAD_TRUST_PROXY: a client talking to the service directly could otherwise send the header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured(
            "SYNCLEAD_DEBUG is refused when SYNCLEAD_PUBLIC_URL is https:// (production): debug pages show the "
            "settings and the callers' data to whoever triggers an error."
        )
    # The public host, and loopback for the machine's own tools (`synclead call --url http://127.0.0.1:8000`).
    # The probes (/healthz, /readyz, /metrics) are answered before Django and need no host here.
    ALLOWED_HOSTS = [urlparse(_cfg.public_url).hostname or "", "localhost", "127.0.0.1", "[::1]"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Django can only redirect http:// to https:// when it can tell them apart, that is behind a proxy it trusts;
    # otherwise it would redirect forever. Without SYNCLEAD_TRUST_PROXY that redirect is the proxy's job (Caddy and
    # ingress-nginx do it), and HSTS keeps browsers on https:// after their first visit.
    SECURE_SSL_REDIRECT = _cfg.trust_proxy
    SILENCED_SYSTEM_CHECKS = [
        # HSTS preloading commits the registrable domain and all its subdomains for months: the agency's decision
        # for its own domain, not this service's.
        "security.W021",
        *([] if _cfg.trust_proxy else ["security.W008"]),
    ]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Nothing but our own files: no inline script or style anywhere in the dashboard or the admin, so an injected
# `<script>` in a caller's transcript would not run even if escaping ever failed. `data:` for the empty favicon.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

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
    "synclead.web.audit",
    "synclead.web.evals",
    "synclead.knowledge",
    "synclead.notifications",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language cookie, else the browser's Accept-Language; a signed-in user's own choice overrides both below.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "synclead.web.dashboard.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a lockout noticed during authentication into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Failed logins (django-axes): 20 wrong passwords or codes lock out the account, wherever they come from, and the
# address they come from, whatever account they try; for 30 minutes after the last of them (each attempt during a
# lockout starts the 30 minutes again). `synclead axes_reset_username NAME` and `synclead axes_reset_ip ADDRESS`
# unlock at once; the admin lists the attempts.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 20
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_CALLABLE = "synclead.web.dashboard.account_views.locked_out"
# Behind a trusted proxy every request comes from the proxy: the address that counts is the client's.
AXES_CLIENT_IP_CALLABLE = "synclead.web.audit.addresses.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Optional two-factor login with an authenticator app (TOTP, django-otp): enrolled at /account/two-factor/.
OTP_TOTP_ISSUER = "SYNCLEAD"
# An administrator who could read a user's TOTP key in the admin could log in as them, code included.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

ROOT_URLCONF = "synclead.web.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
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
# The dashboard's languages (`synclead/web/locale/`); each user picks one in the header.
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers as each language writes them (`synclead/web/formats/`).
FORMAT_MODULE_PATH = ["synclead.web.formats"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"


def _mail_backend(cfg: Settings) -> str:
    if cfg.email_backend:
        return cfg.email_backend
    if cfg.email_host:
        return "smtp"
    if cfg.production:
        raise ImproperlyConfigured(
            "SYNCLEAD_PUBLIC_URL is https:// (production) but no mail server is set: set SYNCLEAD_EMAIL_HOST "
            "(and SYNCLEAD_EMAIL_USER, SYNCLEAD_EMAIL_PASSWORD), or SYNCLEAD_EMAIL_BACKEND=console to print lead "
            "emails to the log instead."
        )
    return "console"


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
        if _mail_backend(_cfg) == "smtp"
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
