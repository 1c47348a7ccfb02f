"""Media Streams messages: Twilio's documented frames parse, everything else is a ProtocolError (and only that)."""

from __future__ import annotations

import base64
import contextlib
import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synclead.telephony.twilio.messages import (
    MAX_FRAME_CHARS,
    MAX_PAYLOAD_BYTES,
    Connected,
    Dtmf,
    Mark,
    Media,
    ProtocolError,
    Start,
    Stop,
    clear_message,
    encode,
    mark_message,
    media_message,
    parse,
)

SID = "MZ18ad3ab5a668481ce02b83e7395059f0"
CALL = "CA" + "1" * 32
ACCOUNT = "AC" + "0" * 32


def start_frame(**media_format: Any) -> dict[str, Any]:
    return {
        "event": "start",
        "sequenceNumber": "1",
        "streamSid": SID,
        "start": {
            "streamSid": SID,
            "accountSid": ACCOUNT,
            "callSid": CALL,
            "tracks": ["inbound"],
            "customParameters": {"token": "abc", "language": "fr"},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1} | media_format,
        },
    }


def media_frame(payload: str = base64.b64encode(b"\xff" * 160).decode()) -> dict[str, Any]:
    return {
        "event": "media",
        "sequenceNumber": "3",
        "streamSid": SID,
        "media": {"track": "inbound", "chunk": "1", "timestamp": "5", "payload": payload},
    }


VALID_FRAMES: list[dict[str, Any]] = [
    {"event": "connected", "protocol": "Call", "version": "1.0.0"},
    start_frame(),
    media_frame(),
    {"event": "dtmf", "streamSid": SID, "sequenceNumber": "5", "dtmf": {"track": "inbound_track", "digit": "5"}},
    {"event": "mark", "streamSid": SID, "sequenceNumber": "4", "mark": {"name": "greeting"}},
    {"event": "stop", "streamSid": SID, "sequenceNumber": "9", "stop": {"accountSid": ACCOUNT, "callSid": CALL}},
]


def test_documented_frames_parse() -> None:
    parsed = [parse(json.dumps(frame)) for frame in VALID_FRAMES]
    assert parsed == [
        Connected(protocol="Call", version="1.0.0"),
        Start(
            stream_sid=SID,
            call_sid=CALL,
            account_sid=ACCOUNT,
            tracks=("inbound",),
            custom_parameters={"token": "abc", "language": "fr"},
            encoding="audio/x-mulaw",
            sample_rate=8000,
            channels=1,
        ),
        Media(stream_sid=SID, track="inbound", chunk=1, timestamp_ms=5, payload=b"\xff" * 160),
        Dtmf(stream_sid=SID, digit="5"),
        Mark(stream_sid=SID, name="greeting"),
        Stop(stream_sid=SID, call_sid=CALL),
    ]


def test_bytes_frames_and_numbers_as_numbers_are_accepted() -> None:
    frame = media_frame()
    frame["media"] |= {"chunk": 7, "timestamp": 140}
    message = parse(json.dumps(frame).encode())
    assert isinstance(message, Media)
    assert (message.chunk, message.timestamp_ms) == (7, 140)
    started = parse(json.dumps(start_frame(sampleRate="8000", channels="1")))
    assert isinstance(started, Start)
    assert (started.sample_rate, started.channels) == (8000, 1)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ("not json", "not valid JSON"),
        (b"\xff\xfe\xfa", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('"media"', "must be a JSON object"),
        ("{}", "no 'event'"),
        ('{"event": "hangup"}', "unknown event"),
        ('{"event": 3}', "unknown event"),
        ("[" * 100_000 + "]" * 100_000, "over the"),
        ("[" * 10_000 + "]" * 10_000, "nested too deeply"),
        ('{"event": "media", "n": ' + "9" * 5000 + "}", "not valid JSON"),
    ],
)
def test_garbage_frames(frame: str | bytes, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        parse(frame)


def test_oversized_frame_is_refused_before_json_parsing() -> None:
    # Invalid JSON past the limit: the error names the limit, so json.loads never saw it.
    with pytest.raises(ProtocolError, match=f"over the {MAX_FRAME_CHARS}"):
        parse("{" + " " * MAX_FRAME_CHARS)


def mutate(frame: dict[str, Any], path: tuple[str, ...], value: Any) -> str:
    copy = json.loads(json.dumps(frame))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(copy)


_DELETE = object()


@pytest.mark.parametrize(
    ("frame", "path", "value", "message"),
    [
        (media_frame(), ("streamSid",), _DELETE, r"media\.streamSid: expected a string, got nothing"),
        (media_frame(), ("media",), "x", r"media\.media: expected an object, got string"),
        (media_frame(), ("media", "track"), 1, r"media\.track: expected a string, got number"),
        (media_frame(), ("media", "chunk"), True, r"media\.chunk: expected a non-negative integer, got boolean"),
        (media_frame(), ("media", "chunk"), "-1", "media.chunk"),
        (media_frame(), ("media", "chunk"), -1, "media.chunk"),
        (media_frame(), ("media", "chunk"), "\uff11\uff12", "media.chunk"),  # full-width digits
        (media_frame(), ("media", "chunk"), 1.5, "media.chunk"),
        (media_frame(), ("media", "timestamp"), _DELETE, "media.timestamp"),
        (media_frame(), ("media", "payload"), None, r"media\.payload: expected a base64 string, got null"),
        (media_frame(), ("media", "payload"), "not base64!", "not valid base64"),
        (media_frame(), ("media", "payload"), "AAAA\nAAAA", "not valid base64"),
        (media_frame(), ("media", "payload"), "AA==AA", "not valid base64"),
        (media_frame(), ("media", "payload"), "é" * 8, "not valid base64"),
        (start_frame(encoding="audio/x-alaw"), (), None, "unsupported mediaFormat"),
        (start_frame(sampleRate=16000), (), None, "unsupported mediaFormat"),
        (start_frame(channels=2), (), None, "unsupported mediaFormat"),
        (start_frame(), ("start", "mediaFormat"), _DELETE, r"start\.mediaFormat: expected an object"),
        (start_frame(), ("start", "streamSid"), "MZother", "does not match"),
        (start_frame(), ("start", "callSid"), _DELETE, r"start\.callSid"),
        (start_frame(), ("start", "tracks"), "inbound", r"start\.tracks"),
        (start_frame(), ("start", "customParameters"), {"token": 1}, r"start\.customParameters"),
        (VALID_FRAMES[3], ("dtmf", "digit"), "55", "not a keypad digit"),
        (VALID_FRAMES[4], ("mark", "name"), ["x"], r"mark\.name: expected a string, got array"),
        (VALID_FRAMES[5], ("stop",), _DELETE, r"stop\.stop: expected an object"),
        (VALID_FRAMES[0], ("version",), 1, r"connected\.version"),
    ],
)
def test_missing_and_mistyped_fields(frame: dict[str, Any], path: tuple[str, ...], value: Any, message: str) -> None:
    text = mutate(frame, path, value) if path else json.dumps(frame)
    with pytest.raises(ProtocolError, match=message):
        parse(text)


def test_start_stream_sid_may_come_from_either_place() -> None:
    frame = start_frame()
    del frame["streamSid"]
    assert parse(json.dumps(frame)).stream_sid == SID  # type: ignore[union-attr]


def test_payload_size_bound() -> None:
    at_limit = base64.b64encode(b"\x7f" * MAX_PAYLOAD_BYTES).decode()
    message = parse(json.dumps(media_frame(at_limit)))
    assert isinstance(message, Media)
    assert len(message.payload) == MAX_PAYLOAD_BYTES
    # One and two bytes over still fit the same number of base64 quanta as the limit: refused all the same.
    for extra in (1, 2, 3):
        over = base64.b64encode(b"\x7f" * (MAX_PAYLOAD_BYTES + extra)).decode()
        with pytest.raises(ProtocolError, match="byte limit"):
            parse(json.dumps(media_frame(over)))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("streamSid",), "MZ\x00" + "0" * 32),  # a NUL would reach PostgreSQL, which refuses it with an error
        (("streamSid",), "MZ\nINFO forged log line"),
        (("streamSid",), "M" * 65),
        (("streamSid",), ""),
        (("start", "callSid"), "CA-1"),
        (("start", "callSid"), "\u0421A" + "1" * 32),  # a Cyrillic letter
        (("start", "accountSid"), "AC 0"),
    ],
)
def test_sids_are_letters_and_digits(path: tuple[str, ...], value: str) -> None:
    with pytest.raises(ProtocolError, match="not a Twilio SID"):
        parse(mutate(start_frame(), path, value))


@pytest.mark.parametrize("name", ["", "s1.\u00b2", "s1.\u0663", "s1." + "9" * 70, "s1.end\n", "m\x00"])
def test_a_mark_name_we_could_not_have_sent_is_refused(name: str) -> None:
    with pytest.raises(ProtocolError, match="not the name of a mark we sent"):
        parse(mutate(VALID_FRAMES[4], ("mark", "name"), name))


def test_once_started_only_this_streams_media_marks_digits_and_stop_are_accepted() -> None:
    for frame in VALID_FRAMES[2:]:
        assert parse(json.dumps(frame), stream_sid=SID) == parse(json.dumps(frame))
        with pytest.raises(ProtocolError, match="another stream"):
            parse(mutate(frame, ("streamSid",), "MZother"), stream_sid=SID)
    for frame in VALID_FRAMES[:2]:
        with pytest.raises(ProtocolError, match="already started"):
            parse(json.dumps(frame), stream_sid=SID)


def test_outbound_shapes() -> None:
    assert json.loads(media_message(SID, b"\x00\xff")) == {
        "event": "media",
        "streamSid": SID,
        "media": {"payload": "AP8="},
    }
    assert json.loads(mark_message(SID, "turn-3")) == {"event": "mark", "streamSid": SID, "mark": {"name": "turn-3"}}
    assert json.loads(clear_message(SID)) == {"event": "clear", "streamSid": SID}


# --- properties ---------------------------------------------------------------------------------------------------

# What Twilio's SIDs are made of (two letters and 32 hex digits in practice); the parser takes up to 64.
sids = st.text(string.ascii_letters + string.digits, min_size=1, max_size=64)
mark_names = st.text(string.printable[:95], min_size=1, max_size=64)  # printable ASCII, no \t\n\r\x0b\x0c
ints = st.integers(min_value=0, max_value=10**12)


@given(sid=sids, payload=st.binary(max_size=MAX_PAYLOAD_BYTES), chunk=ints, timestamp=ints, seq=ints)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
def test_media_round_trip(sid: str, payload: bytes, chunk: int, timestamp: int, seq: int) -> None:
    message = Media(stream_sid=sid, track="inbound", chunk=chunk, timestamp_ms=timestamp, payload=payload)
    assert parse(encode(message, sequence_number=seq)) == message
    sent = json.loads(media_message(sid, payload))
    assert base64.b64decode(sent["media"]["payload"], validate=True) == payload
    assert sent["streamSid"] == sid


messages = st.one_of(
    st.builds(Connected, protocol=st.text(), version=st.text()),
    st.builds(
        Start,
        stream_sid=sids,
        call_sid=sids,
        account_sid=sids,
        tracks=st.lists(st.text(), max_size=3).map(tuple),
        custom_parameters=st.dictionaries(st.text(max_size=20), st.text(max_size=50), max_size=5),
        encoding=st.just("audio/x-mulaw"),
        sample_rate=st.just(8000),
        channels=st.just(1),
    ),
    st.builds(Dtmf, stream_sid=sids, digit=st.sampled_from("0123456789*#")),
    st.builds(Mark, stream_sid=sids, name=mark_names),
    st.builds(Stop, stream_sid=sids, call_sid=sids),
)


@given(messages)
def test_every_message_round_trips(message: Any) -> None:
    assert parse(encode(message)) == message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def only_protocol_errors(frame: str | bytes) -> None:
    with contextlib.suppress(ProtocolError):
        parse(frame)


@given(st.text(max_size=2000))
def test_fuzz_text(frame: str) -> None:
    only_protocol_errors(frame)


@given(st.binary(max_size=2000))
def test_fuzz_bytes(frame: bytes) -> None:
    only_protocol_errors(frame)


@given(json_values)
def test_fuzz_json(value: Any) -> None:
    only_protocol_errors(json.dumps(value))


def paths(value: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    return found


@given(data=st.data(), frame=st.sampled_from(VALID_FRAMES), value=json_values | st.just(_DELETE))
@settings(max_examples=500)
def test_fuzz_valid_frames_with_one_field_broken(data: st.DataObject, frame: dict[str, Any], value: Any) -> None:
    path = data.draw(st.sampled_from(paths(frame)))
    only_protocol_errors(mutate(frame, path, value))


@given(
    event=st.sampled_from(["connected", "start", "media", "dtmf", "mark", "stop"]),
    body=st.dictionaries(
        st.sampled_from(["streamSid", "start", "media", "dtmf", "mark", "stop", "protocol", "version"]), json_values
    ),
)
def test_fuzz_known_events_with_arbitrary_bodies(event: str, body: dict[str, Any]) -> None:
    only_protocol_errors(json.dumps({"event": event, **body}))
