"""Pointing numbers at the service: the twilio SDK against a local account that answers like Twilio's API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from synclead.config import Settings, reload_settings
from synclead.simulator.servers import bind_free_port
from synclead.telephony.twilio.numbers import NumberSetupError, Problem, configure_number
from synclead.web.organizations.models import Organization
from tests.telephony.conftest import NUMBER
from tests.telephony.twilio_account import TwilioAccount, serving_in_thread

ACCOUNT = "AC" + "7" * 32
TOKEN = "numbers-token"
PUBLIC = "https://agency.example.com"


@pytest.fixture
def account() -> TwilioAccount:
    account = TwilioAccount(ACCOUNT, TOKEN)
    account.add_number(NUMBER)
    return account


@pytest.fixture
def api_url(account: TwilioAccount) -> Iterator[str]:
    with serving_in_thread(account.app()) as url:
        yield url


def settings_for(url: str, token: str = TOKEN) -> Settings:
    return Settings(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=token, TWILIO_API_URL=url)


def test_the_number_points_at_the_public_url(account: TwilioAccount, api_url: str) -> None:
    configured = configure_number(settings_for(api_url), NUMBER, PUBLIC + "/")

    assert configured.voice_url == f"{PUBLIC}/twilio/voice"
    assert configured.sid == account.numbers[NUMBER]["sid"]
    [(sid, form)] = account.updates
    assert sid == account.numbers[NUMBER]["sid"]
    assert form == {
        "VoiceUrl": f"{PUBLIC}/twilio/voice",
        "VoiceMethod": "POST",
        "StatusCallback": f"{PUBLIC}/twilio/status",
        "StatusCallbackMethod": "POST",
        "VoiceFallbackUrl": f"{PUBLIC}/twilio/voice",
        "VoiceFallbackMethod": "POST",
    }


def test_a_number_outside_the_account_is_a_clear_error(account: TwilioAccount, api_url: str) -> None:
    with pytest.raises(NumberSetupError, match=r"\+33199999999 is not a phone number of Twilio account") as caught:
        configure_number(settings_for(api_url), "+33199999999", PUBLIC)
    assert caught.value.problem is Problem.NOT_IN_ACCOUNT and not caught.value.affects_every_number
    assert account.updates == []


def test_wrong_credentials_are_a_clear_error(account: TwilioAccount, api_url: str) -> None:
    with pytest.raises(NumberSetupError, match="check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN") as caught:
        configure_number(settings_for(api_url, token="wrong"), NUMBER, PUBLIC)
    assert caught.value.problem is Problem.CREDENTIALS and caught.value.affects_every_number
    assert account.updates == []


def test_an_unreachable_twilio_is_a_clear_error() -> None:
    closed = bind_free_port()  # bound, never listening: connections are refused at once
    host, port = closed.getsockname()[:2]
    try:
        with pytest.raises(NumberSetupError, match="could not be reached") as caught:
            configure_number(settings_for(f"http://{host}:{port}"), NUMBER, PUBLIC)
    finally:
        closed.close()
    assert caught.value.problem is Problem.UNREACHABLE


def test_a_public_url_must_be_a_web_address(api_url: str) -> None:
    with pytest.raises(NumberSetupError, match="must start with https://"):
        configure_number(settings_for(api_url), NUMBER, "agency.example.com")


@pytest.fixture
def account_env(api_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_API_URL", api_url)
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


def test_the_command_configures_every_organization_number(
    organization: Organization, account: TwilioAccount, account_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    organization.numbers.create(number="+33199999999")  # in the database, not in the Twilio account

    call_command("twilio", "configure", "--public-url", PUBLIC)

    out, err = capsys.readouterr()
    assert f"{NUMBER} (agence-lumiere) configured: voice {PUBLIC}/twilio/voice" in out
    assert "+33199999999: +33199999999 is not a phone number of Twilio account" in err
    assert account.numbers[NUMBER]["voice_url"] == f"{PUBLIC}/twilio/voice"


def test_the_command_stops_on_wrong_credentials(
    organization: Organization, account: TwilioAccount, account_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "wrong")
    reload_settings()
    with pytest.raises(CommandError, match="refused the credentials"):
        call_command("twilio", "configure", "--public-url", PUBLIC, "--number", NUMBER)
    assert account.updates == []
