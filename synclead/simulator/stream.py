"""The Twilio end of one bidirectional Media Stream: the messages Twilio sends, and what it does with ours.

Shared by the single scripted call and the benchmark's load generator, so both behave exactly alike toward the
server. Inbound media is written from a template rather than `json.dumps`: the benchmark sends 50 of these per
second per call, and the template is what keeps one client loop able to drive a hundred calls.
"""

from __future__ import annotations

import binascii
import json
import secrets
from dataclasses import dataclass, field
from typing import Any, Final

from synclead.simulator.playout import PlayoutBuffer

FRAME_MS: Final = 20
FRAME_BYTES: Final = 160  # 20 ms of 8 kHz μ-law, one byte per sample
SILENCE_FRAME: Final = b"\xff" * FRAME_BYTES  # μ-law digital silence is 0xFF, not 0x00
_MEDIA: Final = (
    '{{"event":"media","sequenceNumber":"{seq}","streamSid":"{sid}","media":'
    '{{"track":"inbound","chunk":"{chunk}","timestamp":"{ts}","payload":"{payload}"}}}}'
)


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits (CA… for calls, MZ… for streams)."""
    return prefix + secrets.token_hex(16)


def b64(payload: bytes) -> str:
    return binascii.b2a_base64(payload, newline=False).decode("ascii")


@dataclass(slots=True)
class Received:
    """What one message from the server was, and what Twilio answers right away."""

    event: str
    samples: int = 0
    mark: str = ""
    echoes: list[str] = field(default_factory=list)


class TwilioStream:
    def __init__(self, account_sid: str, call_sid: str, custom_parameters: dict[str, str]) -> None:
        self.account_sid = account_sid
        self.call_sid = call_sid
        self.stream_sid = new_sid("MZ")
        self.custom_parameters = dict(custom_parameters)
        self.playout = PlayoutBuffer()
        self.errors: list[str] = []
        self._sequence = 0
        self._chunk = 0

    def _next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    @property
    def media_ms(self) -> int:
        """Media time: how much inbound audio has been sent."""
        return self._chunk * FRAME_MS

    # --- what Twilio sends ---------------------------------------------------------------------------------------

    def connected(self) -> str:
        return json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})

    def start(self) -> str:
        return json.dumps(
            {
                "event": "start",
                "sequenceNumber": str(self._next_sequence()),
                "streamSid": self.stream_sid,
                "start": {
                    "streamSid": self.stream_sid,
                    "accountSid": self.account_sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "customParameters": self.custom_parameters,
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
            }
        )

    def media(self, payload_b64: str) -> str:
        """One inbound frame; `payload_b64` is pre-encoded so a benchmark can reuse the same few frames."""
        timestamp = self._chunk * FRAME_MS
        self._chunk += 1
        return _MEDIA.format(
            seq=self._next_sequence(), sid=self.stream_sid, chunk=self._chunk, ts=timestamp, payload=payload_b64
        )

    def mark(self, name: str) -> str:
        return json.dumps(
            {
                "event": "mark",
                "sequenceNumber": str(self._next_sequence()),
                "streamSid": self.stream_sid,
                "mark": {"name": name},
            }
        )

    def stop(self) -> str:
        return json.dumps(
            {
                "event": "stop",
                "sequenceNumber": str(self._next_sequence()),
                "streamSid": self.stream_sid,
                "stop": {"accountSid": self.account_sid, "callSid": self.call_sid},
            }
        )

    def tick(self, payload_b64: str) -> list[str]:
        """One 20 ms step of the media clock: play 20 ms of the agent, echo the marks reached, send a frame."""
        _, reached = self.playout.advance(FRAME_BYTES)
        out = [self.mark(name) for name in reached]
        out.append(self.media(payload_b64))
        return out

    # --- what Twilio does with the server's messages -------------------------------------------------------------

    def receive(self, text: str | bytes) -> Received:
        try:
            data = json.loads(text)
            event = data["event"]
            if data.get("streamSid") != self.stream_sid:
                raise ValueError(f"streamSid {data.get('streamSid')!r} is not this stream's")
            if event == "media":
                audio = binascii.a2b_base64(data["media"]["payload"], strict_mode=True)
                self.playout.add_audio(len(audio))
                return Received("media", samples=len(audio))
            if event == "mark":
                name = data["mark"]["name"]
                if not isinstance(name, str):
                    raise ValueError("mark.name is not a string")
                self.playout.add_mark(name)
                return Received("mark", mark=name)
            if event == "clear":
                return Received("clear", echoes=[self.mark(name) for name in self.playout.clear()])
            raise ValueError(f"unknown event {event!r}")
        except (ValueError, KeyError, TypeError) as exc:
            # Twilio reports a malformed message as error 31924 and carries on; so do we, but we keep count.
            self.errors.append(f"31924 malformed message: {_short(text)}: {exc}")
            return Received("error")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
