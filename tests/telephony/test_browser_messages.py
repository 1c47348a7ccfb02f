"""The browser test call's wire format: whatever the page (or anyone) sends is a message or a `ProtocolError`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from synclead.telephony.browser import messages

TOKENS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", min_size=1, max_size=128)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@given(st.text(max_size=2000))
def test_any_text_is_a_message_or_a_protocol_error(text: str) -> None:
    try:
        message = messages.parse_text(text)
    except messages.ProtocolError:
        return
    assert isinstance(message, messages.Start | messages.Mark | messages.HangUp)


@given(st.dictionaries(st.sampled_from(["type", "callSid", "token", "sampleRate", "name"]), JSON_VALUES))
def test_any_json_object_is_a_message_or_a_protocol_error(data: dict) -> None:
    try:
        message = messages.parse_text(json.dumps(data))
    except messages.ProtocolError:
        return
    assert data["type"] in ("start", "mark", "hangup")
    assert isinstance(message, messages.Start | messages.Mark | messages.HangUp)


@given(TOKENS, TOKENS, st.sampled_from(sorted(messages.SAMPLE_RATES)))
def test_a_start_message_round_trips(call_sid: str, token: str, rate: int) -> None:
    text = json.dumps({"type": "start", "callSid": call_sid, "token": token, "sampleRate": rate})
    assert messages.parse_text(text) == messages.Start(call_sid, token, rate)


@given(TOKENS)
def test_the_marks_the_server_sends_are_the_marks_it_accepts(name: str) -> None:
    assert messages.parse_text(messages.mark_message(name)) == messages.Mark(name)


@pytest.mark.parametrize("rate", [True, 48000.0, "48000", 96000, 0, -8000, None])
def test_a_start_with_a_rate_that_is_not_one_we_resample_is_refused(rate: object) -> None:
    with pytest.raises(messages.ProtocolError, match="sampleRate"):
        messages.parse_text(json.dumps({"type": "start", "callSid": "WB1", "token": "t", "sampleRate": rate}))


@given(st.binary(max_size=12_000), st.sampled_from(sorted(messages.SAMPLE_RATES)))
def test_audio_is_whole_samples_within_100_ms_or_refused(data: bytes, rate: int) -> None:
    try:
        audio = messages.parse_audio(data, rate)
    except messages.ProtocolError:
        assert not data or len(data) % 2 or len(data) > messages.max_frame_bytes(rate)
        return
    assert audio.dtype == np.int16 and len(audio) == len(data) // 2
    assert messages.audio_bytes(audio) == data
