"""The Media Streams protocol as the fuzzing of the media WebSocket sees it (tests/gateway/test_media_fuzz.py).

Two halves. `predict` is the failure table of docs/ARCHITECTURE.md as a function of a session: which close code,
which end for the call. The strategies write sessions of well-formed messages and of every kind of bad frame, each
labelled with what the protocol makes of it. Both are written from the Media Streams reference, not from the
parser (`synclead.telephony.twilio.messages`), so that the fuzzing compares two readings of the protocol.
"""

from __future__ import annotations

import base64
import enum
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from synclead.audio import mulaw
from synclead.gateway import media
from synclead.gateway.server import uvicorn_config
from synclead.simulator.stream import FRAME_BYTES, b64
from synclead.telephony.twilio.messages import MAX_FRAME_CHARS, MAX_PAYLOAD_BYTES

# What the socket refuses before the application sees it: the gateway's own uvicorn setting.
SOCKET_LIMIT: int = uvicorn_config(None).ws_max_size
# RFC 6455 close codes the socket layer sends on its own.
NORMAL, INVALID_DATA, MESSAGE_TOO_BIG = 1000, 1007, 1009
EVENTS = ("connected", "start", "media", "dtmf", "mark", "stop")
# Well-formed SIDs of a stream and a call that are not the example's.
OTHER_STREAM, OTHER_CALL = "MZ" + "f" * 32, "CA" + "e" * 32


# ---- what the server must do with a session ---------------------------------------------------------------


class Kind(enum.Enum):
    """How the server must take one frame, by the protocol (docs/ARCHITECTURE.md, the Media Streams reference)."""

    CONNECTED = "connected"  # Twilio's first message
    START = "start"  # this call's start, with its one-time token
    FORGED_START = "forged start"  # well formed, but its token does not open this call
    MESSAGE = "message"  # media, mark or dtmf of this stream
    STOP = "stop"  # this stream's stop
    FOREIGN = "foreign"  # well formed, but another stream's
    MALFORMED = "malformed"  # not a Media Streams message the server accepts
    TOO_BIG = "too big"  # over the socket's message limit
    BAD_UTF8 = "bad utf-8"  # a text frame that is not UTF-8


@dataclass(frozen=True, slots=True)
class Frame:
    data: str | bytes
    kind: Kind
    label: str  # the class of input, for the figures
    binary: bool = False  # str data sent as a binary frame; bytes data not binary are sent as a text frame

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # How Hypothesis prints a failing example: the 64 KiB frames are cut short.
        data = self.data if len(self.data) <= 160 else f"{self.data[:120]!r}... ({len(self.data)} long)"
        printer.text(f"Frame({self.label!r}, {self.kind.name}, {data!r}, binary={self.binary})")


class Ending(enum.Enum):
    """What the client does once everything is sent, if the server has not closed the stream by then."""

    HANG_UP = "hang up"  # a call that started gets its `stop`; a stream that never did is left to time out
    CLOSE = "close"  # the client closes the socket


@dataclass(frozen=True, slots=True)
class Outcome:
    code: int | None  # the server's close code; None when the client closes first
    started: bool
    end_reason: str  # the call's end_reason; "" when the stream never started
    cause: str  # the class of input that decided it
    at: int | None = None  # the frame that decided it; the server reads nothing after it
    skipped: tuple[int, ...] = ()  # the frames refused mid-call, counted toward the limit


def predict(frames: list[Frame], ending: Ending) -> Outcome:
    """The failure table, as a function of the session."""
    started = False
    skipped: list[int] = []
    for at, item in enumerate(frames):
        dropped = "stream_dropped" if started else ""
        phase = "mid-call" if started else "before start"
        if item.kind is Kind.TOO_BIG:
            return Outcome(MESSAGE_TOO_BIG, started, dropped, f"{item.label}, {phase}", at, tuple(skipped))
        if item.kind is Kind.BAD_UTF8:
            return Outcome(INVALID_DATA, started, dropped, f"{item.label}, {phase}", at, tuple(skipped))
        if not started:
            if item.kind is Kind.CONNECTED:
                continue
            if item.kind is Kind.START:
                started = True
                continue
            # A malformed frame is unsupported data; a forged start, or anything else before `start`, is refused
            # as unauthenticated. Either way, before any audio work.
            code = media.UNSUPPORTED_DATA if item.kind is Kind.MALFORMED else media.POLICY_VIOLATION
            return Outcome(code, False, "", f"{item.label}, before start", at)
        if item.kind is Kind.STOP:
            return Outcome(NORMAL, True, "caller_hangup", "stop", at, tuple(skipped))
        if item.kind is not Kind.MESSAGE:
            # Once started, only this stream's media, mark, dtmf and stop belong on the socket.
            if len(skipped) == media.MAX_PROTOCOL_ERRORS:
                cause = f"{item.label}, mid-call, after {len(skipped)} others"
                return Outcome(media.UNSUPPORTED_DATA, True, "protocol_errors", cause, at, tuple(skipped))
            skipped.append(at)
    if not started:
        if ending is Ending.CLOSE:
            return Outcome(None, False, "", "client closed before start")
        return Outcome(media.POLICY_VIOLATION, False, "", "no start in time")
    if ending is Ending.CLOSE:
        return Outcome(None, True, "stream_dropped", "client closed mid-call", skipped=tuple(skipped))
    return Outcome(NORMAL, True, "caller_hangup", "stop", skipped=tuple(skipped))


# ---- the protocol's fields, restated independently of the parser --------------------------------------------

_SID = re.compile(r"[A-Za-z0-9]{1,64}")
_DIGITS = re.compile(r"[0-9]{1,18}")
# RFC 4648 base64, padded: what `a2b_base64(strict_mode=True)` must accept, and nothing else.
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


def _non_negative(value: Any) -> int | None:
    if type(value) is int and value >= 0:
        return value
    if type(value) is str and _DIGITS.fullmatch(value):
        return int(value)
    return None


def _payload_ok(value: Any) -> bool:
    if type(value) is not str or not value.isascii() or not _BASE64.fullmatch(value):
        return False
    return len(base64.b64decode(value)) <= MAX_PAYLOAD_BYTES


ACCEPTS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: type(v) is str,
    "sid": lambda v: type(v) is str and _SID.fullmatch(v) is not None,
    "int": lambda v: _non_negative(v) is not None,
    "object": lambda v: type(v) is dict,
    "tracks": lambda v: type(v) is list and all(type(t) is str for t in v),
    "params": lambda v: type(v) is dict and all(type(p) is str for p in v.values()),
    "digit": lambda v: type(v) is str and len(v) == 1 and v in "0123456789*#ABCD",
    # Twilio echoes the names of marks we sent; ours are short and ASCII.
    "name": lambda v: type(v) is str and 0 < len(v) <= 64 and all(c in _PRINTABLE for c in v),
    "payload": _payload_ok,
    "encoding": lambda v: v == "audio/x-mulaw" and type(v) is str,
    "rate": lambda v: _non_negative(v) == 8000,
    "channels": lambda v: _non_negative(v) == 1,
}

# (path, what it must hold, what the message is without it): None for "refused", or the kind it becomes.
Spec = tuple[tuple[str, ...], str, Kind | None]
FIELDS: dict[str, list[Spec]] = {
    "connected": [(("protocol",), "str", None), (("version",), "str", None)],
    "start": [
        (("streamSid",), "sid", Kind.START),  # it is in the message twice: either will do
        (("start",), "object", None),
        (("start", "streamSid"), "sid", Kind.START),
        (("start", "accountSid"), "sid", None),
        (("start", "callSid"), "sid", None),
        (("start", "tracks"), "tracks", None),
        (("start", "customParameters"), "params", Kind.FORGED_START),
        (("start", "customParameters", "token"), "str", Kind.FORGED_START),
        (("start", "mediaFormat"), "object", None),
        (("start", "mediaFormat", "encoding"), "encoding", None),
        (("start", "mediaFormat", "sampleRate"), "rate", None),
        (("start", "mediaFormat", "channels"), "channels", None),
    ],
    "media": [
        (("streamSid",), "sid", None),
        (("media",), "object", None),
        (("media", "track"), "str", None),
        (("media", "chunk"), "int", None),
        (("media", "timestamp"), "int", None),
        (("media", "payload"), "payload", None),
    ],
    "dtmf": [(("streamSid",), "sid", None), (("dtmf",), "object", None), (("dtmf", "digit"), "digit", None)],
    "mark": [(("streamSid",), "sid", None), (("mark",), "object", None), (("mark", "name"), "name", None)],
    "stop": [(("streamSid",), "sid", None), (("stop",), "object", None), (("stop", "callSid"), "sid", None)],
}
# Fields Twilio sends that the server has no use for: any value, or none, changes nothing.
IGNORED: dict[str, list[tuple[str, ...]]] = {
    "start": [("sequenceNumber",)],
    "media": [("sequenceNumber",)],
    "dtmf": [("sequenceNumber",), ("dtmf", "track")],
    "mark": [("sequenceNumber",)],
    "stop": [("sequenceNumber",), ("stop", "accountSid")],
}


@dataclass(frozen=True, slots=True)
class Ids:
    """One rung call, as Twilio would stream it."""

    account_sid: str
    call_sid: str
    stream_sid: str
    token: str


def valid(event: str, ids: Ids, **values: Any) -> dict[str, Any]:
    sid = ids.stream_sid
    match event:
        case "connected":
            return {"event": "connected", "protocol": "Call", "version": "1.0.0"}
        case "start":
            return {
                "event": "start",
                "sequenceNumber": "1",
                "streamSid": sid,
                "start": {
                    "streamSid": sid,
                    "accountSid": ids.account_sid,
                    "callSid": ids.call_sid,
                    "tracks": ["inbound"],
                    "customParameters": {"token": values.get("token", ids.token)},
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
            }
        case "media":
            payload = values.get("payload", b64(mulaw.silence()))
            media_fields = {"track": "inbound", "chunk": "2", "timestamp": "20", "payload": payload}
            return {"event": "media", "sequenceNumber": "2", "streamSid": sid, "media": media_fields}
        case "dtmf":
            dtmf = {"track": "inbound_track", "digit": values.get("digit", "5")}
            return {"event": "dtmf", "sequenceNumber": "3", "streamSid": sid, "dtmf": dtmf}
        case "mark":
            return {"event": "mark", "sequenceNumber": "4", "streamSid": sid, "mark": {"name": values.get("name", "m")}}
        case _:
            stop = {"accountSid": ids.account_sid, "callSid": ids.call_sid}
            return {"event": "stop", "sequenceNumber": "5", "streamSid": sid, "stop": stop}


def kind_of(event: str) -> Kind:
    return {"connected": Kind.CONNECTED, "start": Kind.START, "stop": Kind.STOP}.get(event, Kind.MESSAGE)


_MISSING = object()


def with_value(message: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(message))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if value is _MISSING:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return copy


# ---- strategies ---------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
# Values one type away from right, or right and out of range, that random JSON rarely hits.
TRICKY: dict[str, list[Any]] = {
    "sid": ["", "MZ\x00" + "0" * 32, "CA\n" + "1" * 32, "M" * 65, "MZ-1", "\u041cZ" + "0" * 32],
    "int": ["", "-1", "1.5", "1e3", "\uff11", "\u0663", "9" * 19, -1, 1.0, True],
    "digit": ["55", "", "\u0665", "E", "#5"],
    "name": ["", "s1.\u00b2", "s1.\u0663", "s1." + "9" * 70, "s1.end\n", "s1.\x00", "m" * 65],
    "payload": ["%%%", "QQ", "QQ=", "=QQ=", "QQ==QQ==", "QUJD\n", "QUJD ", "é" * 8, "QUJD" * 3 + "-_"],
    "rate": [16000, "16000", 8000.0, "8000.0", 0],
    "channels": [2, "2", 1.0, 0],
    "encoding": ["audio/x-alaw", "audio/l16", "AUDIO/X-MULAW", ""],
    "tracks": ["inbound", [1], [None], {"0": "inbound"}],
    "params": [{"token": 1}, {"token": None}, ["token"], "token=x"],
}


def wrong(kind: str) -> st.SearchStrategy[Any]:
    return (st.sampled_from(TRICKY.get(kind, [None])) | json_values).filter(lambda v: not ACCEPTS[kind](v))


def frame(message: Any, kind: Kind, label: str, **options: Any) -> Frame:
    return Frame(json.dumps(message), kind, label, **options)


@st.composite
def broken_field(draw: st.DrawFn, ids: Ids) -> Frame:
    """One field of a well-formed message given the wrong type, a wrong value, or taken away."""
    # Hypothesis draws the first choice most: the media message, the field given a wrong value.
    event = draw(st.sampled_from(["media", "start", "mark", "dtmf", "stop", "connected"]))
    base = valid(event, ids)
    path, holds, if_missing = draw(st.sampled_from(FIELDS[event][::-1]))
    where = ".".join((event, *path[1:])) if len(path) > 1 else f"{event}.{path[0]}"
    if draw(st.integers(0, 3)) == 3:
        kind = Kind.MALFORMED if if_missing is None else if_missing
        return frame(with_value(base, path, _MISSING), kind, f"missing field ({where})")
    value = draw(wrong(holds))
    label = "invalid base64" if holds == "payload" else f"wrong type or value ({where})"
    return frame(with_value(base, path, value), Kind.MALFORMED, label)


@st.composite
def ignored_field(draw: st.DrawFn, ids: Ids) -> Frame:
    event = draw(st.sampled_from(sorted(IGNORED)))
    path = draw(st.sampled_from(IGNORED[event]))
    value = draw(json_values | st.just(_MISSING))
    return frame(with_value(valid(event, ids), path, value), kind_of(event), "unused field, any value")


@st.composite
def media_frame(draw: st.DrawFn, ids: Ids) -> Frame:
    """Inbound audio: 20 ms frames, and every other length μ-law allows (one byte a sample, so odd ones too)."""
    size = draw(st.sampled_from([FRAME_BYTES, 0, 1, 3, 159, 161, 481, 4_000, MAX_PAYLOAD_BYTES]))
    audio = random.Random(draw(st.integers(0, 2**32))).randbytes(size)
    label = {0: "empty payload", FRAME_BYTES: "media", MAX_PAYLOAD_BYTES: "payload at the limit"}.get(
        size, "odd-length payload" if size % 2 else "media, not 20 ms"
    )
    return frame(valid("media", ids, payload=b64(audio)), Kind.MESSAGE, label)


@st.composite
def dtmf_frame(draw: st.DrawFn, ids: Ids) -> Frame:
    return frame(valid("dtmf", ids, digit=draw(st.sampled_from("0123456789*#ABCD"))), Kind.MESSAGE, "dtmf")


@st.composite
def mark_frame(draw: st.DrawFn, ids: Ids) -> Frame:
    # The greeting is speech 1: these names reach the session's mark handling while it plays.
    name = draw(
        st.builds("s{}.{}".format, st.integers(0, 3), st.sampled_from(["end", "0", "1", "7", "99999999"]))
        | st.text(_PRINTABLE, min_size=1, max_size=64)
    )
    return frame(valid("mark", ids, name=name), Kind.MESSAGE, "mark")


def well_formed(ids: Ids) -> st.SearchStrategy[Frame]:
    """Media, marks and keypad digits of this stream, as Twilio sends them."""
    return st.one_of(media_frame(ids), media_frame(ids), dtmf_frame(ids), mark_frame(ids))


@st.composite
def oversized_payload(draw: st.DrawFn, ids: Ids) -> Frame:
    size = draw(st.sampled_from([MAX_PAYLOAD_BYTES + 1, MAX_PAYLOAD_BYTES + 2, MAX_PAYLOAD_BYTES + 3, 20_000]))
    message = valid("media", ids, payload=b64(b"\x7f" * size))
    return frame(message, Kind.MALFORMED, "payload over the limit")


def not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


@st.composite
def garbage(draw: st.DrawFn, ids: Ids) -> Frame:
    """Frames that are not a Media Streams message at all."""
    choice = draw(st.integers(0, 9))
    document = json.dumps(valid(draw(st.sampled_from(EVENTS)), ids))
    if choice == 0:
        return Frame(document, Kind.MALFORMED, "binary frame", binary=True)
    if choice == 1:
        return Frame(draw(st.binary(max_size=200)), Kind.MALFORMED, "binary frame", binary=True)
    if choice == 2:
        cut = draw(st.integers(0, len(document) - 1))
        return Frame(document[:cut], Kind.MALFORMED, "truncated JSON")
    if choice == 3:
        return Frame(draw(st.text(max_size=60).filter(not_json)), Kind.MALFORMED, "not JSON")
    if choice == 4:
        value = draw(json_values.filter(lambda v: type(v) is not dict))
        return frame(value, Kind.MALFORMED, "JSON, not an object")
    if choice == 5:
        message = valid(draw(st.sampled_from(EVENTS)), ids)
        event = draw(
            st.text(max_size=12).filter(lambda e: e not in EVENTS) | json_values.filter(lambda e: type(e) is not str)
        )
        return frame(message | {"event": event}, Kind.MALFORMED, "unknown event")
    if choice == 6:
        message = valid(draw(st.sampled_from(EVENTS)), ids)
        del message["event"]
        return frame(message, Kind.MALFORMED, "no event")
    if choice == 7:
        depth = draw(st.sampled_from([1_000, 5_000, MAX_FRAME_CHARS // 2]))
        return Frame("[" * depth + "]" * depth, Kind.MALFORMED, "deeply nested JSON")
    if choice == 8:
        digits = draw(st.sampled_from([4_301, 10_000]))
        return Frame('{"event": "media", "chunk": ' + "9" * digits + "}", Kind.MALFORMED, "number past the digit limit")
    # Valid JSON, only too long: padded with JSON whitespace up to or past the socket's limit.
    size = draw(st.sampled_from([MAX_FRAME_CHARS + 1, 48 * 1024, SOCKET_LIMIT]))
    message = json.dumps(valid("media", ids))
    return Frame(message[:-1] + " " * (size - len(message)) + "}", Kind.MALFORMED, "frame over the parser's limit")


@st.composite
def over_the_socket_limit(draw: st.DrawFn, ids: Ids) -> Frame:
    size = draw(st.sampled_from([SOCKET_LIMIT + 1, SOCKET_LIMIT + 4096, 4 * SOCKET_LIMIT]))
    binary = draw(st.booleans())
    return Frame("x" * size, Kind.TOO_BIG, "frame over the socket's limit", binary=binary)


@st.composite
def invalid_utf8(draw: st.DrawFn, ids: Ids) -> Frame:
    prefix = json.dumps(valid("mark", ids)).encode()[: draw(st.integers(0, 30))]
    bad = draw(st.sampled_from([b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xe2\x82"]))
    return Frame(prefix + bad, Kind.BAD_UTF8, "invalid UTF-8 text frame")


@st.composite
def out_of_place(draw: st.DrawFn, ids: Ids) -> Frame:
    """Well-formed messages that do not belong on this stream, or not now."""
    choice = draw(st.integers(0, 4))
    if choice == 0:
        other = Ids(ids.account_sid, ids.call_sid, OTHER_STREAM, ids.token)
        event = draw(st.sampled_from(["media", "dtmf", "mark", "stop"]))
        return frame(valid(event, other), Kind.FOREIGN, "wrong streamSid")
    if choice == 1:
        message = valid("start", ids)
        message["start"]["streamSid"] = OTHER_STREAM
        return frame(message, Kind.MALFORMED, "start's two streamSids differ")
    if choice == 2:
        forged = valid("start", ids, token=draw(st.sampled_from(["", "guess", ids.token[:-1], ids.token + "x"])))
        return frame(forged, Kind.FORGED_START, "forged token")
    if choice == 3:
        stranger = Ids(ids.account_sid, OTHER_CALL, ids.stream_sid, ids.token)
        return frame(valid("start", stranger), Kind.FORGED_START, "token for another call")
    return frame(valid("start", ids), Kind.START, "start")


def bad_frames(ids: Ids) -> st.SearchStrategy[Frame]:
    return st.one_of(
        broken_field(ids),
        broken_field(ids),
        garbage(ids),
        garbage(ids),
        oversized_payload(ids),
        out_of_place(ids),
    )


def any_frame(ids: Ids) -> st.SearchStrategy[Frame]:
    rare = st.one_of(
        st.just(frame(valid("connected", ids), Kind.CONNECTED, "connected")),
        st.just(frame(valid("stop", ids), Kind.STOP, "stop")),
        over_the_socket_limit(ids),
        invalid_utf8(ids),
    )
    # Half the frames are good ones, so that the bad ones land in a call that is really going on.
    good = st.one_of(well_formed(ids), well_formed(ids), well_formed(ids), ignored_field(ids))
    return st.one_of(good, good, bad_frames(ids), rare)


@dataclass(frozen=True, slots=True)
class Script:
    frames: list[Frame]
    ending: Ending


@st.composite
def scripts(draw: st.DrawFn, ids: Ids) -> Script:
    connected = frame(valid("connected", ids), Kind.CONNECTED, "connected")
    frames = [connected] * draw(st.integers(0, 2))
    if draw(st.integers(0, 5)) == 0:  # one session in six is refused before it starts
        frames.append(draw(any_frame(ids)))
    if draw(st.integers(0, 5)):
        frames.append(frame(valid("start", ids), Kind.START, "start"))
    frames += draw(st.lists(any_frame(ids), max_size=16))
    if draw(st.integers(0, 3)) == 0:  # a burst around the malformed-frame limit
        bad = draw(bad_frames(ids))
        count = draw(st.integers(media.MAX_PROTOCOL_ERRORS - 2, media.MAX_PROTOCOL_ERRORS + 3))
        at = draw(st.integers(0, len(frames)))
        frames[at:at] = [bad] * count
    return Script(frames, draw(st.sampled_from(Ending)))


def representatives(ids: Ids) -> dict[str, Frame]:
    """One frame of every class of bad input, built by hand: what the fuzzing may or may not happen to draw, every
    run covers."""
    media_frame_text = json.dumps(valid("media", ids))

    def broken(event: str, path: tuple[str, ...], value: Any, label: str, kind: Kind = Kind.MALFORMED) -> Frame:
        return frame(with_value(valid(event, ids), path, value), kind, label)

    def padded(size: int) -> str:  # valid JSON, `size` characters long
        return media_frame_text[:-1] + " " * (size - len(media_frame_text)) + "}"

    second_start = frame(valid("start", ids), Kind.START, "a second start")
    frames = [
        Frame(media_frame_text, Kind.MALFORMED, "binary frame", binary=True),
        Frame(media_frame_text[:-12], Kind.MALFORMED, "truncated JSON"),
        Frame("{not json", Kind.MALFORMED, "not JSON"),
        Frame("", Kind.MALFORMED, "empty frame"),
        Frame("[1, 2]", Kind.MALFORMED, "JSON, not an object"),
        Frame("[" * (MAX_FRAME_CHARS // 2) + "]" * (MAX_FRAME_CHARS // 2), Kind.MALFORMED, "deeply nested JSON"),
        Frame('{"event": "media", "chunk": ' + "9" * 5_000 + "}", Kind.MALFORMED, "number past the digit limit"),
        broken("media", ("event",), "teleport", "unknown event"),
        broken("media", ("event",), 5, "event of the wrong type"),
        broken("media", ("event",), _MISSING, "no event"),
        broken("media", ("streamSid",), None, "null for a string"),
        broken("media", ("media", "track"), 5, "number for a string"),
        broken("media", ("media", "payload"), {"b64": "AAAA"}, "nested object for a string"),
        broken("media", ("media", "chunk"), "-1", "negative number"),
        broken("media", ("media", "timestamp"), "\u0663", "non-ASCII digits"),
        broken("media", ("media",), _MISSING, "missing object"),
        broken("media", ("media", "payload"), "%%%", "invalid base64"),
        broken("media", ("media", "payload"), "QQ", "base64 without its padding"),
        broken("media", ("media", "payload"), "QQ==QQ==", "base64 with data after padding"),
        broken("media", ("media", "payload"), b64(bytes(MAX_PAYLOAD_BYTES + 1)), "payload over the limit"),
        Frame(padded(MAX_FRAME_CHARS + 1), Kind.MALFORMED, "frame over 32 KiB"),
        Frame(padded(SOCKET_LIMIT), Kind.MALFORMED, "frame at the socket's limit"),
        broken("media", ("streamSid",), "MZ\x00" + "0" * 32, "SID with a NUL"),
        broken("mark", ("mark", "name"), "s1.\u00b2", "mark name we never sent"),
        broken("dtmf", ("dtmf", "digit"), "55", "not a keypad digit"),
        broken("start", ("start", "mediaFormat", "sampleRate"), 16000, "unsupported media format"),
        broken("start", ("start", "streamSid"), OTHER_STREAM, "start's two streamSids differ"),
        broken("media", ("streamSid",), OTHER_STREAM, "another stream's streamSid", Kind.FOREIGN),
        broken("start", ("start", "customParameters", "token"), "guess", "forged token", Kind.FORGED_START),
        broken("start", ("start", "callSid"), OTHER_CALL, "token for another call", Kind.FORGED_START),
        second_start,
        frame(valid("connected", ids), Kind.CONNECTED, "connected after start"),
        Frame("x" * (SOCKET_LIMIT + 1), Kind.TOO_BIG, "frame over the socket's limit"),
        Frame(b'{"event": "mark", \xff}', Kind.BAD_UTF8, "invalid UTF-8 text frame"),
    ]
    return {f.label: f for f in frames}
