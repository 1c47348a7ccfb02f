"""μ-law codec: exact on the wire format, bounded error on PCM."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from synclead.audio import mulaw

NEGATIVE_ZERO = 0x7F  # decodes to 0, like 0xFF (+0); the encoder only ever produces 0xFF for 0
TOP = 32124  # the largest magnitude μ-law can represent (16-bit scale)

pcm = arrays(np.int16, st.integers(0, 400), elements=st.integers(-32768, 32767))


def quantisation_bound(sample: int) -> int:
    """The most a sample can move on a μ-law round trip (16-bit scale), derived from G.711.

    The encoder drops the 2 lowest bits (at most 3 away, rounding toward -inf for negatives), adds a bias of
    132, and picks segment s = floor(log2((|x| + 132) / 128)) in 0..7, where codes are 2**(s+3) apart. It
    truncates within the step and the decoder returns the step's middle: at most half a step, 2**(s+2), off.
    Using |x| + 135 for the segment covers the 3 dropped bits pushing a sample into the next segment. Beyond
    TOP, samples clip to TOP.
    """
    magnitude = abs(sample)
    segment = min(7, ((magnitude + 135) >> 7).bit_length() - 1)
    return max(2 ** (segment + 2) + 3, magnitude - TOP)


@given(st.binary(max_size=400))
def test_encode_after_decode_is_identity_except_negative_zero(ulaw: bytes) -> None:
    expected = ulaw.replace(bytes([NEGATIVE_ZERO]), bytes([mulaw.SILENCE_BYTE]))
    assert mulaw.encode(mulaw.decode(ulaw)) == expected


def test_every_byte_round_trips() -> None:
    every = bytes(range(256))
    round_trip = mulaw.encode(mulaw.decode(every))
    assert [b for a, b in zip(every, round_trip, strict=True) if a != b] == [mulaw.SILENCE_BYTE]


@given(pcm)
def test_decode_after_encode_stays_within_quantisation_error(samples: np.ndarray) -> None:
    ulaw = mulaw.encode(samples)
    back = mulaw.decode(ulaw)
    assert len(ulaw) == len(samples) == len(back)
    assert back.dtype == np.int16
    errors = np.abs(back.astype(np.int32) - samples.astype(np.int32))
    for sample, error in zip(samples.tolist(), errors.tolist(), strict=True):
        assert error <= quantisation_bound(sample), sample


def test_bound_is_tight_over_all_samples() -> None:
    # Not a loose bound passing by luck: some samples sit exactly on it, none over it.
    samples = np.arange(-32768, 32768, dtype=np.int16)
    errors = np.abs(mulaw.decode(mulaw.encode(samples)).astype(np.int32) - samples)
    bounds = np.array([quantisation_bound(s) for s in samples.tolist()])
    assert (errors <= bounds).all()
    assert (errors == bounds).any()


def test_silence() -> None:
    frame = mulaw.silence()
    assert frame == b"\xff" * 160
    assert not mulaw.decode(frame).any()
    assert mulaw.encode(np.zeros(3, dtype=np.int16)) == b"\xff\xff\xff"


def test_decoded_audio_can_be_modified_in_place() -> None:
    audio = mulaw.decode(b"\x00\x80")
    audio //= 2  # engine code scales gains in place; a read-only view of the bytes would raise here
    assert audio.tolist() == [-16062, 16062]


def test_encode_takes_views_and_refuses_other_dtypes() -> None:
    samples = np.arange(-1000, 1000, 7, dtype=np.int16)
    assert mulaw.encode(samples[::2]) == mulaw.encode(samples[::2].copy())
    with pytest.raises(TypeError):
        mulaw.encode(samples.astype(np.int32))
