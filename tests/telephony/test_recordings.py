"""Recordings fetched from a local Twilio with the account's credentials, stored whole under the organization."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from synclead.config import Settings
from synclead.telephony.twilio import recordings
from synclead.telephony.twilio.recordings import RecordingError, fetch_recording, store_recording
from synclead.web.calls.models import Call
from synclead.web.organizations.models import Organization
from tests.telephony.conftest import CALL_SID, NUMBER
from tests.telephony.twilio_account import TwilioAccount, serving_in_thread

ACCOUNT = "AC" + "9" * 32
TOKEN = "recordings-token"
WAV = b"RIFF" + bytes(range(256)) * 64


@pytest.fixture
def account() -> TwilioAccount:
    account = TwilioAccount(ACCOUNT, TOKEN)
    account.recordings["RE1"] = WAV
    return account


@pytest.fixture
def api_url(account: TwilioAccount) -> Iterator[str]:
    with serving_in_thread(account.app()) as url:
        yield url


@pytest.fixture
def settings(api_url: str, tmp_path: Path) -> Settings:
    return Settings(
        TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_API_URL=api_url, SYNCLEAD_DATA_DIR=tmp_path
    )


@pytest.fixture
def call(organization: Organization) -> Call:
    return Call.objects.create(call_sid=CALL_SID, organization=organization, to_number=NUMBER, metrics={"turns": 3})


def recording_url(api_url: str, sid: str = "RE1") -> str:
    return f"{api_url}/2010-04-01/Accounts/{ACCOUNT}/Recordings/{sid}"


def folder(settings: Settings) -> Path:
    return settings.recordings_dir / "agence-lumiere"


def test_the_recording_is_fetched_with_basic_auth_into_the_organization_folder(
    account: TwilioAccount, api_url: str, settings: Settings, call: Call
) -> None:
    path = store_recording(call.pk, recording_url(api_url), settings)

    assert path == folder(settings) / f"{CALL_SID}.voicemail.wav"
    assert path.read_bytes() == WAV
    assert account.downloads == ["Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()]
    call.refresh_from_db()
    # The path joins what the call already measured; it does not replace it.
    assert call.recording_file == str(path)
    assert call.metrics == {"turns": 3}, "the call's other data is untouched"
    assert [p.name for p in folder(settings).iterdir()] == [f"{CALL_SID}.voicemail.wav"]


def test_a_missing_recording_is_logged_and_nothing_is_written(
    api_url: str, settings: Settings, call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="synclead.telephony.twilio.recordings"):
        assert store_recording(call.pk, recording_url(api_url, "RE404"), settings) is None

    assert f"call {CALL_SID}: Twilio answered HTTP 404" in caplog.text
    assert list(folder(settings).iterdir()) == []
    call.refresh_from_db()
    assert call.recording_file == ""


def test_an_oversized_recording_is_refused_and_the_previous_file_kept(
    api_url: str, settings: Settings, call: Call
) -> None:
    folder(settings).mkdir(parents=True)
    (folder(settings) / f"{CALL_SID}.voicemail.wav").write_bytes(b"earlier")

    with pytest.raises(RecordingError, match="over the 1000-byte limit"):
        fetch_recording(settings, recording_url(api_url), call, max_bytes=1000)

    assert [p.name for p in folder(settings).iterdir()] == [f"{CALL_SID}.voicemail.wav"]
    assert (folder(settings) / f"{CALL_SID}.voicemail.wav").read_bytes() == b"earlier"


def test_credentials_only_go_to_twilio(account: TwilioAccount, settings: Settings, call: Call) -> None:
    with pytest.raises(RecordingError, match="is not on Twilio's API"):
        fetch_recording(settings, "https://attacker.example/2010-04-01/Recordings/RE1", call)
    assert account.downloads == []


def test_the_recording_webhook_starts_the_download_once_committed(
    call: Call, twilio_post, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[int, str]] = []
    monkeypatch.setattr(recordings, "_in_thread", lambda pk, url: started.append((pk, url)))
    url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE1"

    with django_capture_on_commit_callbacks(execute=True):
        response = twilio_post(
            "/twilio/recording",
            {"CallSid": CALL_SID, "RecordingUrl": url, "RecordingStatus": "completed", "RecordingDuration": "4"},
        )

    assert response.status_code == 204
    assert started == [(call.pk, url)]
