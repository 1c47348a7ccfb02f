"""Signatures checked with Twilio's own RequestValidator; everything fails closed."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from django.http import QueryDict
from twilio.request_validator import RequestValidator

from synclead.config import Settings
from synclead.telephony.twilio.signatures import public_url_for, sign, verify, verify_websocket

TOKEN = "test-auth-token"
URL = "https://synclead.test/twilio/voice"
PARAMS = {"CallSid": "CA" + "1" * 32, "From": "+33612345678", "To": "+33142685300"}


def settings(public_url: str = "https://synclead.test", token: str = TOKEN) -> Settings:
    return Settings(_env_file=None, SYNCLEAD_PUBLIC_URL=public_url, TWILIO_AUTH_TOKEN=token)  # type: ignore[call-arg]


def test_sign_matches_twilio_and_verifies() -> None:
    signature = sign(URL, PARAMS, TOKEN)
    assert signature == RequestValidator(TOKEN).compute_signature(URL, PARAMS)
    assert verify(URL, PARAMS, signature, TOKEN)


@pytest.mark.parametrize(
    ("url", "params", "token"),
    [
        ("https://evil.test/twilio/voice", PARAMS, TOKEN),
        (URL, PARAMS | {"To": "+33100000000"}, TOKEN),
        (URL, PARAMS | {"Extra": "1"}, TOKEN),
        (URL, PARAMS, "another-token"),
    ],
)
def test_anything_changed_fails(url: str, params: dict[str, str], token: str) -> None:
    assert not verify(url, params, sign(URL, PARAMS, TOKEN), token)


def test_no_token_or_no_signature_fails_closed() -> None:
    signature = RequestValidator("").compute_signature(URL, PARAMS)
    assert not verify(URL, PARAMS, signature, "")
    assert not verify(URL, PARAMS, "", TOKEN)
    assert not verify(URL, PARAMS, None, TOKEN)
    with pytest.raises(ValueError):
        sign(URL, PARAMS, "")


def test_query_dict_with_repeated_fields() -> None:
    # Every value counts, in the documented order: URL, then name+value sorted by name.
    form = QueryDict("b=2&a=3&a=1")
    mac = hmac.new(TOKEN.encode(), (URL + "a1a3b2").encode(), hashlib.sha1)
    assert verify(URL, form, base64.b64encode(mac.digest()).decode(), TOKEN)
    assert not verify(URL, QueryDict("b=2&a=3"), base64.b64encode(mac.digest()).decode(), TOKEN)


def test_explicit_port_variant_is_accepted() -> None:
    assert verify("https://synclead.test:443/twilio/voice", PARAMS, sign(URL, PARAMS, TOKEN), TOKEN)


def test_public_url_comes_from_settings_only() -> None:
    assert public_url_for("/twilio/voice", settings("https://synclead.test/")) == URL
    assert public_url_for("/twilio/voice?x=1", settings()) == URL + "?x=1"
    with pytest.raises(ValueError):
        public_url_for("/twilio/voice", settings(public_url=""))
    with pytest.raises(ValueError):
        public_url_for("twilio/voice", settings())


@pytest.mark.parametrize("signed_url", ["wss://synclead.test/twilio/media", "https://synclead.test/twilio/media"])
def test_websocket_accepts_both_readings(signed_url: str) -> None:
    signature = sign(signed_url, {}, TOKEN)
    assert verify_websocket("/twilio/media", signature, settings())


def test_websocket_refusals() -> None:
    signature = sign("wss://synclead.test/twilio/media", {}, TOKEN)
    assert not verify_websocket("/twilio/other", signature, settings())
    assert not verify_websocket("/twilio/media", signature, settings(token=""))
    assert not verify_websocket("/twilio/media", signature, settings(public_url=""))
    assert not verify_websocket("/twilio/media", None, settings())
    assert not verify_websocket("/twilio/media", sign("wss://evil.test/twilio/media", {}, TOKEN), settings())


def test_local_http_base_uses_ws() -> None:
    local = settings("http://127.0.0.1:8000")
    assert verify_websocket("/twilio/media", sign("ws://127.0.0.1:8000/twilio/media", {}, TOKEN), local)
