"""Twilio Media Streams messages: parsed and validated at the edge, built for the way back.

Everything Twilio sends on the media WebSocket goes through `parse`, which returns one of the frozen message
types below or raises `ProtocolError`; nothing past this module sees raw JSON. `parse` runs for every 20 ms
audio frame of every call, so the media path is a straight line of dict look-ups.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass
from typing import Any, Final

# One 20 ms frame is 160 bytes; Twilio has never been seen to batch, but a bound 100x larger costs nothing and
# still caps what one frame can make us allocate.
MAX_PAYLOAD_BYTES: Final = 16 * 1024
# Base64 of MAX_PAYLOAD_BYTES is 21 848 characters; the rest is the JSON envelope (a start message with its
# custom parameters is well under 2 KiB). Checked before `json.loads`, so an oversized frame is never parsed.
MAX_FRAME_CHARS: Final = 32 * 1024
_MAX_PAYLOAD_B64: Final = 4 * -(-MAX_PAYLOAD_BYTES // 3)
# Chunk numbers and millisecond timestamps fit easily; a longer digit string is garbage, not a long call.
_MAX_DIGITS: Final = 18
# Twilio's SIDs are two letters and 32 hex digits. Anything but ASCII letters and digits cannot be one, and would
# reach the database (PostgreSQL refuses a NUL in text with an error, not a miss) and the logs (a newline forges a
# line); 64 is the Call row's column.
_MAX_SID: Final = 64
# Twilio echoes the names of marks we sent, and ours are short ASCII ("s3.12"); anything else is not an echo. The
# engine reads the digits after the dot: a superscript "²" passes str.isdigit and then fails int().
_MAX_MARK_NAME: Final = 64
_PRINTABLE: Final = frozenset(map(chr, range(0x20, 0x7F)))
_DTMF_DIGITS: Final = frozenset("0123456789*#ABCD")
_MISSING: Final = object()

ENCODING: Final = "audio/x-mulaw"
SAMPLE_RATE: Final = 8000
CHANNELS: Final = 1


class ProtocolError(ValueError):
    """A frame that is not a Media Streams message we accept; the connection should be closed."""


@dataclass(frozen=True, slots=True)
class Connected:
    protocol: str
    version: str


@dataclass(frozen=True, slots=True)
class Start:
    stream_sid: str
    call_sid: str
    account_sid: str
    tracks: tuple[str, ...]
    custom_parameters: dict[str, str]
    encoding: str
    sample_rate: int
    channels: int


@dataclass(frozen=True, slots=True)
class Media:
    stream_sid: str
    track: str
    chunk: int
    timestamp_ms: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class Dtmf:
    stream_sid: str
    digit: str


@dataclass(frozen=True, slots=True)
class Mark:
    stream_sid: str
    name: str


@dataclass(frozen=True, slots=True)
class Stop:
    stream_sid: str
    call_sid: str


Message = Connected | Start | Media | Dtmf | Mark | Stop


def parse(frame: str | bytes, stream_sid: str | None = None) -> Message:
    """Parse one text frame from Twilio; raises `ProtocolError` (and nothing else) when it is unacceptable.

    Once a stream has started, pass its `stream_sid`: from then on only that stream's media, mark, dtmf and stop
    belong on the socket (Twilio sends `connected` and `start` once, first), and anything else is refused too.
    """
    if not isinstance(frame, str | bytes | bytearray):
        raise ProtocolError(f"frame must be text, got {type(frame).__name__}")
    if len(frame) > MAX_FRAME_CHARS:
        raise ProtocolError(f"frame of {len(frame)} characters is over the {MAX_FRAME_CHARS} limit")
    try:
        data = json.loads(frame)
    except RecursionError:
        # Deeply nested arrays exhaust the C parser's recursion guard; that is garbage, not a server fault.
        raise ProtocolError("frame is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, bad UTF-8 in bytes, integers past Python's digit limit
        raise ProtocolError(f"frame is not valid JSON: {exc}") from None
    if type(data) is not dict:
        raise ProtocolError(f"frame must be a JSON object, got {_kind(data)}")
    event = data.get("event", _MISSING)
    parser = _PARSERS.get(event) if type(event) is str else None
    if parser is None:
        if event is _MISSING:
            raise ProtocolError("frame has no 'event'")
        raise ProtocolError(f"unknown event {_short(event)}")
    message = parser(data)
    if stream_sid is not None:
        if isinstance(message, Connected | Start):
            raise ProtocolError(f"{event} on a stream already started")
        if message.stream_sid != stream_sid:
            raise ProtocolError(f"{event} for another stream ({_short(message.stream_sid)})")
    return message


# --- inbound events -----------------------------------------------------------------------------------------


def _connected(data: dict[str, Any]) -> Connected:
    return Connected(protocol=_str(data, "protocol", "connected"), version=_str(data, "version", "connected"))


def _start(data: dict[str, Any]) -> Start:
    start = _obj(data, "start", "start")
    stream_sid = _stream_sid(data, start)
    tracks = start.get("tracks", _MISSING)
    if type(tracks) is not list or not all(type(t) is str for t in tracks):
        raise ProtocolError(f"start.tracks: expected a list of strings, got {_kind(tracks)}")
    params = start.get("customParameters", {})
    if type(params) is not dict or not all(type(v) is str for v in params.values()):
        raise ProtocolError("start.customParameters: expected an object of strings")
    media_format = _obj(start, "mediaFormat", "start")
    encoding = _str(media_format, "encoding", "start.mediaFormat")
    sample_rate = _int(media_format, "sampleRate", "start.mediaFormat")
    channels = _int(media_format, "channels", "start.mediaFormat")
    if (encoding, sample_rate, channels) != (ENCODING, SAMPLE_RATE, CHANNELS):
        raise ProtocolError(
            f"unsupported mediaFormat {_short(encoding)} {sample_rate} Hz x{channels}: "
            f"only {ENCODING} {SAMPLE_RATE} Hz mono"
        )
    return Start(
        stream_sid=stream_sid,
        call_sid=_sid(start, "callSid", "start"),
        account_sid=_sid(start, "accountSid", "start"),
        tracks=tuple(tracks),
        custom_parameters=params,
        encoding=encoding,
        sample_rate=sample_rate,
        channels=channels,
    )


def _media(data: dict[str, Any]) -> Media:
    stream_sid = _sid(data, "streamSid", "media")
    media = _obj(data, "media", "media")
    payload = media.get("payload", _MISSING)
    if type(payload) is not str:
        raise ProtocolError(f"media.payload: expected a base64 string, got {_kind(payload)}")
    # Bound the encoded size first so an oversized payload is never decoded.
    if len(payload) > _MAX_PAYLOAD_B64:
        raise ProtocolError(f"media.payload is over the {MAX_PAYLOAD_BYTES}-byte limit")
    try:
        # strict_mode rejects what a lenient decoder silently skips (stray characters, data after padding).
        audio = binascii.a2b_base64(payload, strict_mode=True)
    except ValueError:  # binascii.Error, or non-ASCII text
        raise ProtocolError("media.payload is not valid base64") from None
    # The bound above is on whole base64 quanta: it lets through up to two bytes more than the limit.
    if len(audio) > MAX_PAYLOAD_BYTES:
        raise ProtocolError(f"media.payload is over the {MAX_PAYLOAD_BYTES}-byte limit")
    return Media(
        stream_sid=stream_sid,
        track=_str(media, "track", "media"),
        chunk=_int(media, "chunk", "media"),
        timestamp_ms=_int(media, "timestamp", "media"),
        payload=audio,
    )


def _dtmf(data: dict[str, Any]) -> Dtmf:
    digit = _str(_obj(data, "dtmf", "dtmf"), "digit", "dtmf")
    if digit not in _DTMF_DIGITS:
        raise ProtocolError(f"dtmf.digit: {_short(digit)} is not a keypad digit")
    return Dtmf(stream_sid=_sid(data, "streamSid", "dtmf"), digit=digit)


def _mark(data: dict[str, Any]) -> Mark:
    name = _str(_obj(data, "mark", "mark"), "name", "mark")
    if not 0 < len(name) <= _MAX_MARK_NAME or not _PRINTABLE.issuperset(name):
        raise ProtocolError(f"mark.name: {_short(name)} is not the name of a mark we sent")
    return Mark(stream_sid=_sid(data, "streamSid", "mark"), name=name)


def _stop(data: dict[str, Any]) -> Stop:
    return Stop(
        stream_sid=_sid(data, "streamSid", "stop"),
        call_sid=_sid(_obj(data, "stop", "stop"), "callSid", "stop"),
    )


_PARSERS: Final = {
    "connected": _connected,
    "start": _start,
    "media": _media,
    "dtmf": _dtmf,
    "mark": _mark,
    "stop": _stop,
}


# --- field readers ------------------------------------------------------------------------------------------


def _str(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key, _MISSING)
    if type(value) is not str:
        raise ProtocolError(f"{where}.{key}: expected a string, got {_kind(value)}")
    return value


def _sid(obj: dict[str, Any], key: str, where: str) -> str:
    value = _str(obj, key, where)
    if not 0 < len(value) <= _MAX_SID or not (value.isascii() and value.isalnum()):
        raise ProtocolError(f"{where}.{key}: {_short(value)} is not a Twilio SID")
    return value


def _int(obj: dict[str, Any], key: str, where: str) -> int:
    # Twilio's JSON carries numbers as strings ("chunk": "12"); accept both, but only non-negative integers
    # (`type is int` also keeps booleans out).
    value = obj.get(key, _MISSING)
    if type(value) is int and value >= 0:
        return value
    if type(value) is str and 0 < len(value) <= _MAX_DIGITS and value.isascii() and value.isdigit():
        return int(value)
    raise ProtocolError(f"{where}.{key}: expected a non-negative integer, got {_kind(value)}")


def _obj(obj: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = obj.get(key, _MISSING)
    if type(value) is not dict:
        raise ProtocolError(f"{where}.{key}: expected an object, got {_kind(value)}")
    return value


def _stream_sid(data: dict[str, Any], start: dict[str, Any]) -> str:
    # The stream SID appears twice in a start message; either may be the one a handler keys on, so they must
    # agree.
    outer, inner = data.get("streamSid", _MISSING), start.get("streamSid", _MISSING)
    if outer is _MISSING and inner is _MISSING:
        raise ProtocolError("start.streamSid: missing")
    for place, value in ((data, outer), (start, inner)):
        if value is not _MISSING:
            _sid(place, "streamSid", "start")
    if outer is not _MISSING and inner is not _MISSING and outer != inner:
        raise ProtocolError("start.streamSid does not match the message's streamSid")
    return outer if outer is not _MISSING else inner


def _kind(value: object) -> str:
    if value is _MISSING:
        return "nothing (missing)"
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"string {_short(value)}"
    return {bool: "boolean", int: "number", float: "number", list: "array", dict: "object"}.get(
        type(value), type(value).__name__
    )


def _short(value: object) -> str:
    # Error messages end up in logs: never echo a whole attacker-sized value.
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- outbound (what we send to Twilio) ----------------------------------------------------------------------


def media_message(stream_sid: str, payload: bytes) -> str:
    """Audio for Twilio to play: raw 8 kHz μ-law, any length, no header."""
    encoded = binascii.b2a_base64(payload, newline=False).decode("ascii")
    return json.dumps({"event": "media", "streamSid": stream_sid, "media": {"payload": encoded}})


def mark_message(stream_sid: str, name: str) -> str:
    """A mark Twilio echoes back once the audio queued before it has played (or been cleared)."""
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear_message(stream_sid: str) -> str:
    """Drop all audio Twilio has buffered (barge-in); every pending mark is echoed back."""
    return json.dumps({"event": "clear", "streamSid": stream_sid})


# --- inbound, built (for the simulator and tests) -----------------------------------------------------------


def encode(message: Message, sequence_number: int | None = None) -> str:
    """The frame Twilio would send for `message`, numbers as strings as Twilio writes them.

    For the simulator and tests: `parse(encode(m)) == m`.
    """
    data: dict[str, Any]
    match message:
        case Connected(protocol, version):
            return json.dumps({"event": "connected", "protocol": protocol, "version": version})
        case Start():
            data = {
                "event": "start",
                "streamSid": message.stream_sid,
                "start": {
                    "streamSid": message.stream_sid,
                    "accountSid": message.account_sid,
                    "callSid": message.call_sid,
                    "tracks": list(message.tracks),
                    "customParameters": dict(message.custom_parameters),
                    "mediaFormat": {
                        "encoding": message.encoding,
                        "sampleRate": message.sample_rate,
                        "channels": message.channels,
                    },
                },
            }
        case Media():
            data = {
                "event": "media",
                "streamSid": message.stream_sid,
                "media": {
                    "track": message.track,
                    "chunk": str(message.chunk),
                    "timestamp": str(message.timestamp_ms),
                    "payload": binascii.b2a_base64(message.payload, newline=False).decode("ascii"),
                },
            }
        case Dtmf():
            data = {
                "event": "dtmf",
                "streamSid": message.stream_sid,
                "dtmf": {"track": "inbound_track", "digit": message.digit},
            }
        case Mark():
            data = {"event": "mark", "streamSid": message.stream_sid, "mark": {"name": message.name}}
        case Stop():
            data = {"event": "stop", "streamSid": message.stream_sid, "stop": {"callSid": message.call_sid}}
        case _:
            raise TypeError(f"not a Media Streams message: {type(message).__name__}")
    if sequence_number is not None:
        data["sequenceNumber"] = str(sequence_number)
    return json.dumps(data)
