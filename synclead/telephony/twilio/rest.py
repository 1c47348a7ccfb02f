"""Twilio's REST API, for what the media stream cannot do: ending a call."""

from __future__ import annotations

import logging

from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from synclead.config import Settings
from synclead.telephony.twilio import twiml

log = logging.getLogger(__name__)


def client_for(settings: Settings) -> Client | None:
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
    # The simulator (and tests) stand in for Twilio on a local address.
    client.api.base_url = settings.twilio_api_url
    return client


def _update(call_sid: str, settings: Settings, what: str, **changes: str) -> bool:
    client = client_for(settings)
    if client is None:
        log.warning("call %s: no Twilio credentials, cannot %s", call_sid, what)
        return False
    try:
        client.calls(call_sid).update(**changes)
    except TwilioException as exc:
        log.error("call %s: Twilio refused to %s: %s", call_sid, what, exc)
        return False
    except OSError as exc:  # requests' connection errors and timeouts are OSErrors
        log.error("call %s: Twilio could not be reached to %s: %s", call_sid, what, exc)
        return False
    return True


def transfer(call_sid: str, number: str, settings: Settings, language: str = "en") -> bool:
    """Connect the live call to a person: new TwiML for the call, which ends its media stream. Blocking."""
    return _update(call_sid, settings, "transfer", twiml=twiml.dial(number, language))


def hang_up(call_sid: str, settings: Settings) -> bool:
    """End a live call. Blocking: run it off the event loop. Returns whether Twilio accepted it.

    Closing the media stream alone is not enough: Twilio would go on to the fallback verbs after `<Connect>`
    (the apology and voicemail meant for faults).
    """
    return _update(call_sid, settings, "hang up", status="completed")
