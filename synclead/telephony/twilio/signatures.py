"""`X-Twilio-Signature` checks for webhooks and the media WebSocket upgrade, and signing for our own clients.

The URL a signature covers is always rebuilt from SYNCLEAD_PUBLIC_URL: behind a tunnel or proxy the Host and
X-Forwarded-* headers are whatever the client says, so trusting them would let a forger choose the signed URL.
Every check fails closed: with no auth token configured nothing verifies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twilio.request_validator import RequestValidator

from synclead.config import Settings

SIGNATURE_HEADER = "X-Twilio-Signature"


def verify(url: str, params: Mapping[str, Any], signature: str | None, auth_token: str) -> bool:
    """True when `signature` is Twilio's signature of `url` and POST `params` (dict or QueryDict)."""
    if not auth_token or not signature or not url:
        return False
    # RequestValidator also tries the URL with and without an explicit :443/:80, as Twilio is inconsistent
    # there.
    return RequestValidator(auth_token).validate(url, dict(params) if _is_plain(params) else params, signature)


def sign(url: str, params: Mapping[str, Any], auth_token: str) -> str:
    """The `X-Twilio-Signature` Twilio would send for this request (the simulator signs with it)."""
    if not auth_token:
        raise ValueError("cannot sign without an auth token")
    return RequestValidator(auth_token).compute_signature(url, params)


def public_url_for(path: str, settings: Settings) -> str:
    """The public https:// URL Twilio was given for `path` (which may carry a query string)."""
    if not settings.public_url:
        raise ValueError("SYNCLEAD_PUBLIC_URL is not set, so no Twilio request can be verified")
    if not path.startswith("/"):
        raise ValueError(f"path must start with '/', got {path!r}")
    return settings.public_url + path


def verify_websocket(path: str, signature: str | None, settings: Settings) -> bool:
    """Check the signature on the media WebSocket upgrade request for `path` (e.g. "/twilio/media").

    Twilio signs the upgrade without POST params. Which URL it signs is not documented: reportedly the wss://
    URL from the TwiML, so that comes first, but the https:// form of the same address is accepted too.
    """
    if not settings.twilio_auth_token or not signature or not settings.public_url:
        return False
    https_url = public_url_for(path, settings)
    wss_url = https_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return any(verify(url, {}, signature, settings.twilio_auth_token) for url in (wss_url, https_url))


def _is_plain(params: Mapping[str, Any]) -> bool:
    # A QueryDict must stay one (RequestValidator reads every value of a repeated field through getlist);
    # any other mapping becomes a dict, the only other shape it understands.
    return not hasattr(params, "getlist")
