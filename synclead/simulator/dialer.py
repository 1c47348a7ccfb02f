"""What Twilio does over HTTP around a call: the signed voice webhook, reading the TwiML, the status callback.

Everything is signed exactly as Twilio signs it (`X-Twilio-Signature` over the public URL and the sorted form
fields), so a server that accepts the simulator accepts Twilio, and the other way round.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Final

import httpx

from synclead.simulator.stream import new_sid
from synclead.telephony.twilio.signatures import SIGNATURE_HEADER, sign

API_VERSION: Final = "2010-04-01"
# Twilio's webhook requests identify themselves this way; some proxies route on it.
USER_AGENT: Final = "TwilioProxy/1.1"


class DialError(RuntimeError):
    """The server did not answer the call the way Twilio needs."""


@dataclass(frozen=True, slots=True)
class Dial:
    """One inbound call as Twilio describes it in every webhook."""

    account_sid: str
    from_number: str
    to_number: str
    call_sid: str = field(default_factory=lambda: new_sid("CA"))

    def form(self, status: str) -> dict[str, str]:
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": self.call_sid,
            "CallStatus": status,
            "Called": self.to_number,
            "Caller": self.from_number,
            "Direction": "inbound",
            "From": self.from_number,
            "To": self.to_number,
        }


@dataclass(frozen=True, slots=True)
class TwimlVerb:
    """One TwiML verb as written: its name, its attributes, its text (what <Say> says)."""

    tag: str
    attributes: dict[str, str] = field(default_factory=dict)
    text: str = ""


@dataclass(frozen=True, slots=True)
class StreamTwiml:
    """What the voice webhook's TwiML asks for: a bidirectional stream, and the verbs that follow it (what Twilio
    runs when the stream ends without the call being hung up)."""

    url: str
    parameters: dict[str, str]
    after: tuple[str, ...]
    fallback: tuple[TwimlVerb, ...] = ()


def parse_twiml(document: str) -> StreamTwiml:
    # The TwiML comes from the server under test; Python's expat refuses entity-expansion bombs on its own.
    try:
        root = ET.fromstring(document)
    except ET.ParseError as exc:
        raise DialError(f"the voice webhook did not answer XML: {exc}") from None
    if root.tag != "Response":
        raise DialError(f"TwiML must have <Response> at its root, got <{root.tag}>")
    verbs = list(root)
    for index, verb in enumerate(verbs):
        if verb.tag != "Connect":
            continue
        streams = verb.findall("Stream")
        if len(streams) != 1:
            raise DialError(f"<Connect> must hold exactly one <Stream>, found {len(streams)}")
        stream = streams[0]
        url = stream.get("url", "")
        if not url.startswith(("wss://", "ws://")):
            raise DialError(f"<Stream url> must be a wss:// URL, got {url!r}")
        if "?" in url:
            raise DialError(f"<Stream url> must not carry a query string (Twilio error 31920): {url!r}")
        parameters: dict[str, str] = {}
        for parameter in stream.findall("Parameter"):
            name = parameter.get("name")
            if not name:
                raise DialError("<Parameter> without a name")
            parameters[name] = parameter.get("value", "")
        rest = verbs[index + 1 :]
        fallback = tuple(TwimlVerb(v.tag, dict(v.attrib), (v.text or "").strip()) for v in rest)
        return StreamTwiml(url, parameters, tuple(v.tag for v in rest), fallback)
    raise DialError(
        "the voice webhook answered without <Connect><Stream>: " + (", ".join(v.tag for v in verbs) or "nothing")
    )


async def post_signed(client: httpx.AsyncClient, url: str, form: dict[str, str], auth_token: str) -> httpx.Response:
    """POST a webhook as Twilio does: the form, signed over the URL. Connection errors are the caller's to handle."""
    headers = {SIGNATURE_HEADER: sign(url, form, auth_token), "User-Agent": USER_AGENT}
    return await client.post(url, data=form, headers=headers)


async def ring(client: httpx.AsyncClient, base_url: str, dial: Dial, auth_token: str) -> StreamTwiml:
    """POST the voice webhook as the call rings; return the stream the server asks for."""
    url = f"{base_url}/twilio/voice"
    try:
        response = await post_signed(client, url, dial.form("ringing"), auth_token)
    except httpx.HTTPError as exc:
        raise DialError(f"cannot reach {url}: {exc}") from None
    if response.status_code != 200:
        raise DialError(f"{url} answered {response.status_code}: {response.text[:200]}")
    return parse_twiml(response.text)


async def report_completed(
    client: httpx.AsyncClient, base_url: str, dial: Dial, auth_token: str, duration_s: float
) -> int:
    """The status callback Twilio sends when the call is over; returns the HTTP status."""
    form = dial.form("completed") | {
        "CallDuration": str(round(duration_s)),
        "CallbackSource": "call-progress-events",
        "SequenceNumber": "0",
        "Timestamp": formatdate(time.time(), usegmt=True),
    }
    response = await post_signed(client, f"{base_url}/twilio/status", form, auth_token)
    return response.status_code


def stream_headers(stream_url: str, auth_token: str) -> dict[str, str]:
    """The upgrade request's signature: over the stream URL as the TwiML gave it, with no parameters."""
    return {SIGNATURE_HEADER: sign(stream_url, {}, auth_token)}
