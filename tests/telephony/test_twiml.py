"""TwiML documents: well-formed XML, the stream first, then a voicemail fallback that cannot loop."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest

from synclead.telephony.twilio import twiml

WSS = "wss://synclead.test/twilio/media"
RECORDING = "https://synclead.test/twilio/recording"
DONE = "https://synclead.test/twilio/voicemail-done"


def connect(language: str = "en", **params: str) -> ET.Element:
    document = twiml.connect_stream(
        WSS, params or {"token": "tok"}, language, "Sorry, leave a message.", RECORDING, voicemail_done_url=DONE
    )
    return ET.fromstring(document)


def test_stream_then_fallback_in_order() -> None:
    root = connect()
    assert root.tag == "Response"
    assert [child.tag for child in root] == ["Connect", "Say", "Record", "Hangup"]
    (stream,) = root.find("Connect")  # type: ignore[misc]
    assert stream.tag == "Stream"
    url = urlsplit(stream.get("url", ""))
    assert (url.scheme, url.netloc, url.path, url.query) == ("wss", "synclead.test", "/twilio/media", "")
    assert [(p.get("name"), p.get("value")) for p in stream.findall("Parameter")] == [("token", "tok")]


def test_voicemail_fallback_attributes() -> None:
    root = connect()
    say, record = root.find("Say"), root.find("Record")
    assert say is not None and record is not None
    assert say.text == "Sorry, leave a message."
    assert say.get("language") == "en-US"
    assert record.get("maxLength") == "120"
    assert record.get("playBeep") == "true"
    assert record.get("recordingStatusCallback") == RECORDING
    assert record.get("recordingStatusCallbackMethod") == "POST"
    # Without an action Twilio would re-request the voice webhook and loop the caller back into the stream.
    assert record.get("action") == DONE


def test_french_locale_and_parameter_escaping() -> None:
    root = connect("fr", token='a<b&"c', organization="café")
    assert root.find("Say").get("language") == "fr-FR"  # type: ignore[union-attr]
    params = {p.get("name"): p.get("value") for p in root.iter("Parameter")}
    assert params == {"token": 'a<b&"c', "organization": "café"}


@pytest.mark.parametrize(
    "url",
    ["https://synclead.test/twilio/media", "wss://synclead.test/twilio/media?token=x", "wss:///twilio/media"],
)
def test_stream_url_must_be_wss_without_query(url: str) -> None:
    with pytest.raises(ValueError):
        twiml.connect_stream(url, {}, "en", "Sorry", RECORDING, voicemail_done_url=DONE)


def test_parameters_must_be_strings() -> None:
    with pytest.raises(ValueError):
        twiml.connect_stream(WSS, {"token": 3}, "en", "Sorry", RECORDING, voicemail_done_url=DONE)  # type: ignore[dict-item]


def test_voicemail_only() -> None:
    root = ET.fromstring(twiml.voicemail("Désolé", "fr", RECORDING, voicemail_done_url=DONE))
    assert [child.tag for child in root] == ["Say", "Record", "Hangup"]
    assert root.find("Record").get("action") == DONE  # type: ignore[union-attr]


def test_refuse_and_hangup() -> None:
    root = ET.fromstring(twiml.refuse("This number is not in service.", "en"))
    assert [(child.tag, child.text) for child in root] == [("Say", "This number is not in service."), ("Hangup", None)]
    assert [child.tag for child in ET.fromstring(twiml.hangup())] == ["Hangup"]


@pytest.mark.parametrize(("language", "locale"), [("en", "en-US"), ("fr", "fr-FR"), ("FR", "fr-FR"), ("de", "en-US")])
def test_say_locale(language: str, locale: str) -> None:
    assert twiml.say_locale(language) == locale
