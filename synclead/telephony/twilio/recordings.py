"""Voicemail recordings, copied from Twilio into the data directory so they outlive Twilio's retention.

Twilio's `RecordingUrl` needs the account's credentials; the file lands at
`recordings_dir/<organization slug>/<CallSid>.voicemail.wav`, written whole or not at all (`<CallSid>.wav` is the
conversation the gateway recorded before the stream fell back to voicemail, which this must not overwrite).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import httpx
from django.db import connection, transaction

from synclead.config import Settings, get_settings
from synclead.web.calls.models import Call

log = logging.getLogger(__name__)

# Twilio's WAV is 8 kHz 16-bit PCM, 16 kB a second per channel; two channels of the longest call, plus a margin.
_BYTES_PER_SECOND: Final = 2 * 16_000
_SAFE_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)


class RecordingError(Exception):
    """The recording could not be stored; nothing was written."""


def max_recording_bytes(settings: Settings) -> int:
    return (settings.max_call_s + 60) * _BYTES_PER_SECOND


def voicemail_name(call_sid: str) -> str:
    return f"{call_sid}.voicemail.wav"


def fetch_recording(settings: Settings, recording_url: str, call: Call, max_bytes: int | None = None) -> Path:
    """Download `{recording_url}.wav` into the organization's folder and return its path. Blocking."""
    limit = max_recording_bytes(settings) if max_bytes is None else max_bytes
    slug, sid = call.organization.slug, call.call_sid
    if not (_SAFE_NAME.fullmatch(slug) and _SAFE_NAME.fullmatch(sid)):
        raise RecordingError(f"call {sid!r} of {slug!r}: not a safe file name")
    if not _is_twilio(recording_url, settings):
        # The account's credentials go with the request: only ever to Twilio's API.
        raise RecordingError(f"call {sid}: recording URL {recording_url!r} is not on Twilio's API")
    url = recording_url if recording_url.endswith(".wav") else f"{recording_url}.wav"
    folder = settings.recordings_dir / slug
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / voicemail_name(sid)
    # Written beside the target then renamed: a reader sees the old file or the whole new one, never a part.
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{sid}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            _download(url, (settings.twilio_account_sid, settings.twilio_auth_token), out, limit, sid)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    log.info("call %s: recording stored (%d bytes)", sid, target.stat().st_size)
    return target


def _download(url: str, auth: tuple[str, str], out, limit: int, sid: str) -> None:
    try:
        with httpx.stream("GET", url, auth=auth, timeout=_TIMEOUT, follow_redirects=True) as response:
            if response.status_code != 200:
                raise RecordingError(f"call {sid}: Twilio answered HTTP {response.status_code} for its recording")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise RecordingError(f"call {sid}: recording of {declared} bytes is over the {limit}-byte limit")
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:  # a missing or false Content-Length must not fill the disk either
                    raise RecordingError(f"call {sid}: recording is over the {limit}-byte limit")
                out.write(chunk)
    except httpx.HTTPError as exc:
        raise RecordingError(f"call {sid}: recording could not be downloaded: {exc}") from exc


def _is_twilio(url: str, settings: Settings) -> bool:
    parts, api = urlsplit(url), urlsplit(settings.twilio_api_url)
    if (parts.scheme, parts.netloc) == (api.scheme, api.netloc):
        return True
    return parts.scheme == "https" and (parts.hostname or "").endswith(".twilio.com")


def store_recording(call_pk: int, recording_url: str, settings: Settings | None = None) -> Path | None:
    """Fetch the call's recording and note its path in `Call.recording_file`; failures are logged."""
    settings = settings or get_settings()
    call = Call.objects.select_related("organization").filter(pk=call_pk).first()
    if call is None:
        return None
    try:
        path = fetch_recording(settings, recording_url, call)
    except RecordingError as exc:
        log.error("%s", exc)
        return None
    # An UPDATE of the one column: the end of the call may be saving the row's other fields at the same moment.
    Call.objects.filter(pk=call_pk).update(recording_file=str(path))
    return path


def fetch_after_commit(call: Call, recording_url: str) -> None:
    """From the recording webhook: download in a thread once the row is committed, so Twilio gets its answer now."""
    settings = get_settings()
    if settings.twilio_token_is_local:
        return  # the simulator's recordings are not on Twilio, and there is no account to fetch them with
    transaction.on_commit(lambda: _in_thread(call.pk, recording_url))


def _in_thread(call_pk: int, recording_url: str) -> threading.Thread:
    def run() -> None:
        try:
            store_recording(call_pk, recording_url)
        except Exception:  # a daemon thread's exception would vanish; log it instead
            log.exception("call #%s: storing the recording failed", call_pk)
        finally:
            connection.close()  # this thread's own database connection, which nothing else would close

    thread = threading.Thread(target=run, name=f"recording-{call_pk}", daemon=True)
    thread.start()
    return thread
