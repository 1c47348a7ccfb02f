"""The browser test call's wire format, checked at the edge.

The dashboard page opens one WebSocket per test call. It sends text frames of small JSON control messages (`start`
first, then `mark` echoes and `hangup`) and binary frames of microphone audio: little-endian signed 16-bit mono PCM
at the rate it declared in `start`, one capture frame (20 ms) each. The server answers with binary frames of the
agent's voice in the same format and rate, and JSON: `started`, `mark`, `clear`, `utterance`, `transfer`, `ended`.

Everything the page sends goes through `parse_text` or `parse_audio`, which return a message or raise
`ProtocolError`; nothing past this module sees raw JSON or bytes. No Django, no Starlette: the wire alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

import numpy as np

from synclead.engine.ports import Pcm

# What an AudioContext runs at on common hardware (and 8 kHz, the engine's own rate); anything else is refused
# rather than resampled from an arbitrary ratio.
SAMPLE_RATES: Final = frozenset({8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000})
# The page sends 20 ms; a frame may carry up to 100 ms (a busy tab batches), never more.
MAX_FRAME_MS: Final = 100
# A start message with its token is ~150 characters; a bound checked before `json.loads`.
MAX_TEXT_CHARS: Final = 1024
# Call SIDs are ours ("WB" and 32 hex digits), tokens URL-safe base64, marks the engine's ("s3.12"): short ASCII.
_MAX_FIELD: Final = 128
_SAFE: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


class ProtocolError(ValueError):
    """A frame that is not a message of this protocol; the connection is closed with 1003."""


@dataclass(frozen=True, slots=True)
class Start:
    call_sid: str
    token: str
    sample_rate: int


@dataclass(frozen=True, slots=True)
class Mark:
    """The page played the agent's audio up to this mark."""

    name: str


@dataclass(frozen=True, slots=True)
class HangUp:
    pass


Message = Start | Mark | HangUp


def max_frame_bytes(sample_rate: int) -> int:
    return sample_rate * MAX_FRAME_MS // 1000 * 2


def _field(data: dict, name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"{name!r} must be a non-empty string")
    if len(value) > _MAX_FIELD or not set(value) <= _SAFE:
        raise ProtocolError(f"{name!r} is not a value this protocol uses")
    return value


def parse_text(text: str) -> Message:
    """One text frame from the page."""
    if len(text) > MAX_TEXT_CHARS:
        raise ProtocolError(f"text frame over {MAX_TEXT_CHARS} characters")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("text frame is not JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError("text frame is not a JSON object")
    kind = data.get("type")
    if kind == "start":
        rate = data.get("sampleRate")
        # bool is an int to Python, and 48000.0 a float to JSON: only a plain whole number is a rate.
        if type(rate) is not int or rate not in SAMPLE_RATES:
            raise ProtocolError(f"sampleRate must be one of {sorted(SAMPLE_RATES)}")
        return Start(_field(data, "callSid"), _field(data, "token"), rate)
    if kind == "mark":
        return Mark(_field(data, "name"))
    if kind == "hangup":
        return HangUp()
    raise ProtocolError(f"unknown message type {str(kind)[:32]!r}")


def parse_audio(data: bytes, sample_rate: int) -> Pcm:
    """One binary frame from the page: its samples, as the native int16 the engine uses."""
    if not data:
        raise ProtocolError("empty audio frame")
    if len(data) % 2:
        raise ProtocolError("audio frame of an odd number of bytes (16-bit samples expected)")
    if len(data) > max_frame_bytes(sample_rate):
        raise ProtocolError(f"audio frame over {MAX_FRAME_MS} ms")
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


def audio_bytes(audio: Pcm) -> bytes:
    return audio.astype("<i2", copy=False).tobytes()


def _json(kind: str, **fields: object) -> str:
    return json.dumps({"type": kind, **fields}, ensure_ascii=False)


def started_message(call_sid: str, max_s: int) -> str:
    return _json("started", callSid=call_sid, maxSeconds=max_s)


def mark_message(name: str) -> str:
    return _json("mark", name=name)


def clear_message() -> str:
    return _json("clear")


def utterance_message(role: str, text: str, interrupted: bool) -> str:
    return _json("utterance", role=role, text=text, interrupted=interrupted)


def transfer_message(number: str) -> str:
    return _json("transfer", number=number)


def ended_message(reason: str) -> str:
    return _json("ended", reason=reason)
