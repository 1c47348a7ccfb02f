"""The TwiML documents SYNCLEAD answers with, built with the `twilio` package so escaping is never ours."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

from twilio.twiml.voice_response import VoiceResponse

# Twilio's <Say> wants a locale; the organizations speak a bare language code.
_SAY_LOCALE: Final = {"en": "en-US", "fr": "fr-FR"}
VOICEMAIL_MAX_S: Final = 120


def say_locale(language: str) -> str:
    """The <Say> locale for an organization's language.

    English when it is not one we know, so a caller still hears something rather than Twilio rejecting the
    document.
    """
    return _SAY_LOCALE.get(language.lower().split("-")[0], "en-US")


def connect_stream(
    websocket_url: str,
    params: Mapping[str, str],
    language: str,
    fallback_message: str,
    recording_callback_url: str,
    *,
    voicemail_done_url: str,
    voicemail_max_s: int = VOICEMAIL_MAX_S,
) -> str:
    """Connect the call to our media WebSocket, with a voicemail fallback after it.

    The verbs after </Connect> run only when our server closes the stream without hanging up (the agent
    failed, or refused the stream): the caller hears an apology and can leave a message instead of dead air.
    `voicemail_done_url` is the <Record> action; it must answer <Hangup/>, because without an action Twilio
    re-requests this document and the caller would loop back into the stream.
    """
    parts = urlsplit(websocket_url)
    if parts.scheme not in ("wss", "ws") or not parts.netloc:
        raise ValueError(f"stream URL must be wss:// (ws:// for local use), got {websocket_url!r}")
    if parts.query or parts.fragment:
        # Twilio fails the handshake on query strings (error 31920); per-call values go in <Parameter>.
        raise ValueError("stream URL must not carry a query string; pass values as parameters")
    for name, value in params.items():
        if not isinstance(name, str) or not name or not isinstance(value, str):
            raise ValueError(f"stream parameters must be non-empty names with string values, got {name!r}")

    response = VoiceResponse()
    connect = response.connect()
    stream = connect.stream(url=websocket_url)
    for name, value in params.items():
        stream.parameter(name=name, value=value)

    _voicemail_fallback(
        response, fallback_message, language, recording_callback_url, voicemail_done_url, voicemail_max_s
    )
    return response.to_xml()


def voicemail(message: str, language: str, recording_callback_url: str, *, voicemail_done_url: str) -> str:
    """Only the fallback (apology, voicemail, hang up), for a call whose stream can no longer start."""
    response = VoiceResponse()
    _voicemail_fallback(response, message, language, recording_callback_url, voicemail_done_url, VOICEMAIL_MAX_S)
    return response.to_xml()


def _voicemail_fallback(
    response: VoiceResponse,
    message: str,
    language: str,
    recording_callback_url: str,
    voicemail_done_url: str,
    max_s: int,
) -> None:
    response.say(message, language=say_locale(language))
    response.record(
        action=voicemail_done_url,
        method="POST",
        max_length=max_s,
        play_beep=True,
        recording_status_callback=recording_callback_url,
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )
    # Reached when the caller records nothing: Twilio then skips the action and moves on to the next verb.
    response.hangup()


def refuse(message: str, language: str) -> str:
    """A polite message, then hang up: for numbers no organization owns."""
    response = VoiceResponse()
    response.say(message, language=say_locale(language))
    response.hangup()
    return response.to_xml()


def hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return response.to_xml()


def dial(number: str, language: str) -> str:
    """Hand the caller to a person; if nobody answers, the call ends (the lead is already taken)."""
    response = VoiceResponse()
    response.dial(number, timeout=25, answer_on_bridge=True)
    response.hangup()
    return str(response)
