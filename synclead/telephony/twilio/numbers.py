"""Pointing a Twilio number at this service through Twilio's REST API, instead of pasting URLs in the console."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from twilio.base.exceptions import TwilioException, TwilioRestException

from synclead.config import Settings
from synclead.telephony.twilio.rest import client_for

log = logging.getLogger(__name__)


class Problem(StrEnum):
    CREDENTIALS = "credentials"
    NOT_IN_ACCOUNT = "not-in-account"
    UNREACHABLE = "unreachable"
    REFUSED = "refused"


class NumberSetupError(Exception):
    """Why a number could not be configured, in words fit for a command's error line."""

    def __init__(self, message: str, problem: Problem) -> None:
        super().__init__(message)
        self.problem = problem

    @property
    def affects_every_number(self) -> bool:
        """Bad credentials or no network: trying the account's other numbers would only repeat the error."""
        return self.problem in (Problem.CREDENTIALS, Problem.UNREACHABLE)


@dataclass(frozen=True, slots=True)
class ConfiguredNumber:
    number: str
    sid: str
    voice_url: str
    status_callback: str
    voice_fallback_url: str


def webhook_urls(public_url: str) -> tuple[str, str, str]:
    """The voice, status and fallback URLs for a service reachable at `public_url`."""
    base = public_url.strip().rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise NumberSetupError(f"the public URL must start with https:// (got {public_url!r})", Problem.REFUSED)
    # The fallback is the voice webhook again: Twilio calls it when the first try fails or times out, and the
    # voice view answers a replay with voicemail only, so the caller is never left with Twilio's error message.
    return f"{base}/twilio/voice", f"{base}/twilio/status", f"{base}/twilio/voice"


def configure_number(settings: Settings, e164: str, public_url: str) -> ConfiguredNumber:
    """Set the voice URL, status callback and fallback URL (all POST) of the account's number `e164`. Blocking."""
    voice_url, status_callback, fallback_url = webhook_urls(public_url)
    client = client_for(settings)
    if client is None or settings.twilio_token_is_local:
        raise NumberSetupError(
            "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set to configure a number", Problem.CREDENTIALS
        )
    account = settings.twilio_account_sid
    try:
        found = client.incoming_phone_numbers.list(phone_number=e164, limit=2)
        match = next((number for number in found if number.phone_number == e164), None)
        if match is None:
            raise NumberSetupError(
                f"{e164} is not a phone number of Twilio account {account}: buy or port it there first, "
                "or check TWILIO_ACCOUNT_SID",
                Problem.NOT_IN_ACCOUNT,
            )
        updated = client.incoming_phone_numbers(match.sid).update(
            voice_url=voice_url,
            voice_method="POST",
            status_callback=status_callback,
            status_callback_method="POST",
            voice_fallback_url=fallback_url,
            voice_fallback_method="POST",
        )
    except TwilioRestException as exc:
        raise _explained(exc.status, exc.msg, e164, account) from exc
    except TwilioException as exc:
        # A list page that fails comes as a bare TwilioException("Unable to fetch page", response).
        response = next((arg for arg in exc.args if hasattr(arg, "status_code")), None)
        status = getattr(response, "status_code", 0)
        raise _explained(status, getattr(response, "text", str(exc)), e164, account) from exc
    except OSError as exc:  # requests' connection errors and timeouts are OSErrors
        raise NumberSetupError(
            f"Twilio could not be reached at {settings.twilio_api_url}: {exc}", Problem.UNREACHABLE
        ) from exc
    log.info("Twilio number %s (%s) now points at %s", e164, updated.sid, voice_url)
    return ConfiguredNumber(
        number=e164,
        sid=updated.sid or match.sid or "",
        voice_url=updated.voice_url or voice_url,
        status_callback=updated.status_callback or status_callback,
        voice_fallback_url=updated.voice_fallback_url or fallback_url,
    )


def _explained(status: int, detail: str, e164: str, account: str) -> NumberSetupError:
    if status in (401, 403):
        return NumberSetupError(
            f"Twilio refused the credentials of account {account} (HTTP {status}): "
            "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
            Problem.CREDENTIALS,
        )
    if status == 404:
        return NumberSetupError(f"{e164} is not a phone number of Twilio account {account}", Problem.NOT_IN_ACCOUNT)
    return NumberSetupError(f"Twilio refused to configure {e164} (HTTP {status or '?'}): {detail}", Problem.REFUSED)
