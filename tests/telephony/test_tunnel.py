"""`synclead serve --tunnel`: an injected listener stands in for ngrok, a local account for Twilio."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from synclead.config import get_settings, reload_settings
from synclead.web.organizations.models import Organization
from synclead.web.service.management.commands import serve
from tests.telephony.conftest import NUMBER
from tests.telephony.twilio_account import TwilioAccount, serving_in_thread

ACCOUNT = "AC" + "8" * 32
TOKEN = "tunnel-token"
TUNNEL = "https://a1b2-c3d4.ngrok-free.app"


@dataclass
class FakeNgrok:
    url_given: str = TUNNEL
    opened: list[tuple[str, str]] = field(default_factory=list)
    served: list[tuple[str, int, str, str]] = field(default_factory=list)

    def forward(self, address: str, authtoken: str) -> FakeNgrok:
        self.opened.append((address, authtoken))
        return self

    def url(self) -> str:
        return self.url_given

    def run_gateway(self, host: str, port: int, public_url: str = "", workers: int = 1) -> None:
        # What the app would be built with: the environment and the settings read from it.
        self.served.append((host, port, public_url, get_settings().public_url))


@pytest.fixture
def ngrok(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeNgrok]:
    fake = FakeNgrok()
    monkeypatch.setattr(serve, "listener_factory", fake.forward)
    monkeypatch.setattr(serve, "run_gateway", fake.run_gateway)
    # Registered so that the value `serve` writes into os.environ is put back after the test.
    monkeypatch.setenv("SYNCLEAD_PUBLIC_URL", os.environ["SYNCLEAD_PUBLIC_URL"])
    monkeypatch.setenv("NGROK_AUTHTOKEN", "ngrok-token")
    reload_settings()
    yield fake
    monkeypatch.undo()
    reload_settings()


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[TwilioAccount]:
    account = TwilioAccount(ACCOUNT, TOKEN)
    account.add_number(NUMBER)
    with serving_in_thread(account.app()) as url:
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
        monkeypatch.setenv("TWILIO_API_URL", url)
        yield account


def test_without_an_ngrok_token_it_says_what_is_missing(db, ngrok: FakeNgrok, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NGROK_AUTHTOKEN", "")
    with pytest.raises(CommandError, match="--tunnel needs NGROK_AUTHTOKEN"):
        call_command("serve", "--tunnel")
    assert ngrok.opened == [] and ngrok.served == []


def test_the_tunnel_becomes_the_public_url_and_the_numbers_point_at_it(
    organization: Organization, ngrok: FakeNgrok, account: TwilioAccount, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("serve", "--tunnel", "--host", "0.0.0.0", "--port", "8123")

    assert ngrok.opened == [("127.0.0.1:8123", "ngrok-token")]
    assert ngrok.served == [("0.0.0.0", 8123, TUNNEL, TUNNEL)]
    assert os.environ["SYNCLEAD_PUBLIC_URL"] == TUNNEL
    number = account.numbers[NUMBER]
    assert (number["voice_url"], number["status_callback"], number["voice_fallback_url"]) == (
        f"{TUNNEL}/twilio/voice",
        f"{TUNNEL}/twilio/status",
        f"{TUNNEL}/twilio/voice",
    )
    out = capsys.readouterr().out
    assert f"Tunnel open: {TUNNEL}" in out
    assert f"{NUMBER} (agence-lumiere) configured: voice {TUNNEL}/twilio/voice" in out


def test_without_twilio_credentials_it_prints_the_urls_to_paste(
    organization: Organization, ngrok: FakeNgrok, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "")
    call_command("serve", "--tunnel")

    out = capsys.readouterr().out
    assert f"A call comes in:      Webhook, POST {TUNNEL}/twilio/voice" in out
    assert f"POST {TUNNEL}/twilio/status" in out
    assert ngrok.served[0][2] == TUNNEL


def test_bad_twilio_credentials_stop_before_serving(
    organization: Organization, ngrok: FakeNgrok, account: TwilioAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "wrong")
    with pytest.raises(CommandError, match="check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"):
        call_command("serve", "--tunnel")
    assert ngrok.served == [] and account.updates == []


def test_a_tunnel_that_fails_to_open_is_a_command_error(db, ngrok: FakeNgrok, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(address: str, authtoken: str) -> FakeNgrok:
        raise ValueError("failed to connect session: authentication failed")

    monkeypatch.setattr(serve, "listener_factory", refuse)
    with pytest.raises(CommandError, match="could not be opened: failed to connect session"):
        call_command("serve", "--tunnel")
    assert ngrok.served == []


def test_tunnel_and_public_url_exclude_each_other(db, ngrok: FakeNgrok) -> None:
    with pytest.raises(CommandError, match="drop --public-url"):
        call_command("serve", "--tunnel", "--public-url", "https://agency.example.com")
