"""Reading the voice webhook's TwiML the way Twilio does."""

from __future__ import annotations

import pytest

from synclead.simulator.dialer import Dial, DialError, parse_twiml
from synclead.telephony.twilio import twiml


def test_the_gateway_twiml_gives_the_stream_and_its_parameters() -> None:
    document = twiml.connect_stream(
        "wss://synclead.test/twilio/media",
        {"token": "abc", "organization": "dupont"},
        "en",
        "Sorry.",
        "https://synclead.test/twilio/recording",
        voicemail_done_url="https://synclead.test/twilio/voicemail-done",
    )
    stream = parse_twiml(document)
    assert stream.url == "wss://synclead.test/twilio/media"
    assert stream.parameters == {"token": "abc", "organization": "dupont"}
    assert stream.after == ("Say", "Record", "Hangup")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not xml", "did not answer XML"),
        ("<Foo/>", "<Response> at its root"),
        ("<Response><Say>Closed</Say><Hangup/></Response>", "without <Connect><Stream>: Say, Hangup"),
        ('<Response><Connect><Stream url="https://x/y"/></Connect></Response>', "wss://"),
        ('<Response><Connect><Stream url="wss://x/y?a=1"/></Connect></Response>', "31920"),
        ("<Response><Connect/></Response>", "exactly one <Stream>"),
    ],
)
def test_unusable_twiml_is_a_dial_error(document: str, message: str) -> None:
    with pytest.raises(DialError, match=message):
        parse_twiml(document)


def test_call_sids_look_like_twilio_ones() -> None:
    a, b = Dial("AC" + "0" * 32, "+33612345678", "+33142685300"), Dial("AC" + "0" * 32, "+3361", "+3314")
    assert a.call_sid != b.call_sid
    assert len(a.call_sid) == 34 and a.call_sid.startswith("CA") and int(a.call_sid[2:], 16) >= 0
    form = a.form("ringing")
    assert form["CallStatus"] == "ringing" and form["Direction"] == "inbound" and form["ApiVersion"] == "2010-04-01"
