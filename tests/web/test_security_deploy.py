"""The production profile (an https:// SYNCLEAD_PUBLIC_URL), as `synclead` starts with a deployment's environment.

The commands run as subprocesses with exactly the environment given, in an empty folder (no `.env`), so the
settings are built the way a container builds them.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from pydantic import ValidationError

from synclead.config import Settings, get_settings
from synclead.web.audit.addresses import client_ip

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SYNCLEAD_PUBLIC_URL": "https://agency.example.com",
    "SYNCLEAD_EMAIL_HOST": "smtp.agency.example.com",
    "SYNCLEAD_SECRET_KEY": secrets.token_urlsafe(50),
    "TWILIO_AUTH_TOKEN": "a-deployment-token",
}


def synclead(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SYNCLEAD_", "TWILIO_", "DJANGO_")) and k != "PYTHONPATH"
    }
    env.setdefault("SYNCLEAD_DATA_DIR", str(tmp_path / "data"))
    return subprocess.run(
        [sys.executable, "-m", "synclead.cli", *args],
        cwd=tmp_path,
        env={**base, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_of(tmp_path: Path, **env: str) -> dict:
    names = [
        "ALLOWED_HOSTS",
        "DEBUG",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "X_FRAME_OPTIONS",
    ]
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n, None) for n in {names}}}))"
    )
    result = synclead(tmp_path, "shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_in_production(tmp_path):
    result = synclead(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_is_clean_behind_a_trusted_proxy(tmp_path):
    env = {**PRODUCTION, "SYNCLEAD_TRUST_PROXY": "true"}
    result = synclead(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    settings = settings_of(tmp_path, **env)
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_production_settings(tmp_path):
    settings = settings_of(tmp_path, **PRODUCTION)
    assert settings["ALLOWED_HOSTS"] == ["agency.example.com", "localhost", "127.0.0.1", "[::1]"]
    assert settings["SECURE_HSTS_SECONDS"] == 31_536_000 and settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
    assert settings["X_FRAME_OPTIONS"] == "DENY" and settings["DEBUG"] is False
    # Only a proxy the operator vouches for may say a request was https.
    assert settings["SECURE_PROXY_SSL_HEADER"] is None and settings["SECURE_SSL_REDIRECT"] is False


def test_local_use_keeps_its_easy_defaults(tmp_path):
    settings = settings_of(tmp_path, SYNCLEAD_PUBLIC_URL="http://127.0.0.1:8000", SYNCLEAD_DEBUG="true")
    assert settings["ALLOWED_HOSTS"] == ["*"] and settings["DEBUG"] is True
    assert not settings["SESSION_COOKIE_SECURE"] and not settings["SECURE_HSTS_SECONDS"]


def test_production_without_a_mail_server_refuses_to_start(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "SYNCLEAD_EMAIL_HOST"}
    result = synclead(tmp_path, "check", **env)
    assert result.returncode != 0
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, "one line, no traceback"
    assert "SYNCLEAD_EMAIL_HOST" in message and "SYNCLEAD_EMAIL_BACKEND=console" in message

    assert synclead(tmp_path, "check", **env, SYNCLEAD_EMAIL_BACKEND="console").returncode == 0


def test_production_refuses_debug(tmp_path):
    result = synclead(tmp_path, "check", **PRODUCTION, SYNCLEAD_DEBUG="true")
    assert result.returncode != 0 and "SYNCLEAD_DEBUG" in result.stderr


def test_settings_validate_the_new_names(monkeypatch):
    for name in ("SYNCLEAD_EMAIL_BACKEND", "SYNCLEAD_EMAIL_HOST", "SYNCLEAD_TRUST_PROXY"):
        monkeypatch.delenv(name, raising=False)

    def load(**env: str) -> Settings:
        return Settings(_env_file=None, TWILIO_AUTH_TOKEN="t", **env)  # type: ignore[call-arg]

    with pytest.raises(ValidationError, match="SYNCLEAD_EMAIL_HOST"):
        load(SYNCLEAD_EMAIL_BACKEND="smtp")
    with pytest.raises(ValidationError):
        load(SYNCLEAD_EMAIL_BACKEND="sendmail")
    with pytest.raises(ValidationError):
        load(SYNCLEAD_TRUST_PROXY="perhaps")
    assert load(SYNCLEAD_TRUST_PROXY="true").trust_proxy is True
    assert load().trust_proxy is False and load().email_backend == ""
    assert load(SYNCLEAD_PUBLIC_URL="https://a.example").production
    assert not load(SYNCLEAD_PUBLIC_URL="http://127.0.0.1:8000").production


# Files on disk


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_directory_is_private(tmp_path):
    data = tmp_path / "fresh" / "data"
    result = synclead(tmp_path, "migrate", "--verbosity", "0", SYNCLEAD_DATA_DIR=str(data))
    assert result.returncode == 0, result.stderr
    assert mode(data) == 0o700
    database = data / "synclead.sqlite3"
    assert database.stat().st_size > 0, "Django wrote its tables into the file made for it"
    assert mode(database) == 0o600
    assert mode(data / "secret_key") == 0o600


def test_an_existing_data_directory_is_made_private(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    database = data / "synclead.sqlite3"
    database.touch()
    database.chmod(0o644)
    assert synclead(tmp_path, "check", SYNCLEAD_DATA_DIR=str(data)).returncode == 0
    assert (mode(data), mode(database)) == (0o700, 0o600)


# In this process: the test settings are a production profile (https://synclead.test) without a trusted proxy, its
# cookies and hosts let through for the test servers' plain http.


def test_responses_carry_the_security_headers(client):
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_forwarded_headers_count_only_behind_a_trusted_proxy(monkeypatch):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.7")
    assert client_ip(request) == "192.0.2.10"
    monkeypatch.setattr(get_settings(), "trust_proxy", True)
    # The last hop is the one the proxy wrote; the first is whatever the client claimed.
    assert client_ip(request) == "203.0.113.7"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="not an address")) is None
