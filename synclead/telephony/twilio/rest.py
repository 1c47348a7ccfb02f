"""Twilio's REST API, for what the media stream cannot do: ending a call."""

from __future__ import annotations

import logging

from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from synclead.config import Settings

log = logging.getLogger(__name__)


def client_for(settings: Settings) -> Client | None:
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
    # The simulator (and tests) stand in for Twilio on a local address.
    client.api.base_url = settings.twilio_api_url
    return client


def hang_up(call_sid: str, settings: Settings) -> bool:
    """End a live call. Blocking: run it off the event loop. Returns whether Twilio accepted it.

    Closing the media stream alone is not enough: Twilio would go on to the fallback verbs after `<Connect>`
    (the apology and voicemail meant for faults).
    """
    client = client_for(settings)
    if client is None:
        log.warning("call %s: no Twilio credentials, ending by closing the stream only", call_sid)
        return False
    try:
        client.calls(call_sid).update(status="completed")
    except TwilioException as exc:
        log.error("call %s: Twilio refused the hang-up: %s", call_sid, exc)
        return False
    except OSError as exc:  # requests' connection errors and timeouts are OSErrors
        log.error("call %s: Twilio could not be reached to hang up: %s", call_sid, exc)
        return False
    return True
