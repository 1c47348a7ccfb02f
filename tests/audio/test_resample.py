"""Resampling keeps duration and pitch, whole or streamed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synclead.audio.resample import StreamResampler, resample

RATES = st.sampled_from([8000, 16000, 22050, 24000, 44100, 48000])


def tone(frequency: float, rate: int, seconds: float = 0.5, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def dominant_frequency(audio: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio.astype(np.float64) * np.hanning(len(audio))))
    return float(np.fft.rfftfreq(len(audio), 1 / rate)[np.argmax(spectrum)])


@given(src=RATES, dst=RATES, length=st.integers(0, 4000), as_int=st.booleans())
@settings(max_examples=60, deadline=None)
def test_length_follows_the_rate_ratio_and_dtype_is_kept(src: int, dst: int, length: int, as_int: bool) -> None:
    audio = np.zeros(length, dtype=np.int16 if as_int else np.float32)
    out = resample(audio, src, dst)
    assert out.dtype == audio.dtype
    assert abs(len(out) - length * dst / src) <= 1


@given(frequency=st.floats(100, 3400), dst=st.sampled_from([16000, 22050, 48000]))
@settings(max_examples=25, deadline=None)
def test_a_telephone_band_sine_keeps_its_frequency(frequency: float, dst: int) -> None:
    out = resample(tone(frequency, 8000), 8000, dst)
    # FFT bins are 2 Hz wide over 0.5 s.
    assert dominant_frequency(out, dst) == pytest.approx(frequency, abs=3)


@given(frequency=st.floats(100, 3400))
@settings(max_examples=15, deadline=None)
def test_downsampling_to_8k_keeps_frequency_and_level(frequency: float) -> None:
    source = (tone(frequency, 22050) * 32767).astype(np.int16)
    out = resample(source, 22050, 8000)
    assert out.dtype == np.int16
    assert dominant_frequency(out, 8000) == pytest.approx(frequency, abs=3)
    middle = out[500:-500].astype(np.float64)
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(0.5 * 32767 / np.sqrt(2), rel=0.05)


def test_streaming_in_frames_matches_the_whole_buffer() -> None:
    audio = tone(440, 8000, seconds=1.0)
    stream = StreamResampler(8000, 16000, np.float32)
    pieces = [stream.process(audio[i : i + 160]) for i in range(0, len(audio), 160)]
    streamed = np.concatenate([*pieces, stream.flush()])
    whole = resample(audio, 8000, 16000)
    assert len(streamed) == len(whole)
    np.testing.assert_allclose(streamed, whole, atol=1e-3)


def test_quick_stream_answers_every_frame() -> None:
    # The VAD depends on this: filtered qualities hold ~100 ms back and release it in bursts.
    stream = StreamResampler(8000, 16000, np.float32, quality="QQ")
    audio = tone(440, 8000)
    lengths = [len(stream.process(audio[i : i + 160])) for i in range(0, 1600, 160)]
    assert all(length > 0 for length in lengths)
    assert sum(lengths) == pytest.approx(3200, abs=16)


def test_stream_reset_forgets_the_past() -> None:
    stream = StreamResampler(8000, 16000, np.int16)
    loud = (tone(440, 8000) * 32767).astype(np.int16)
    stream.process(loud)
    stream.reset()
    out = np.concatenate([stream.process(np.zeros(1600, dtype=np.int16)), stream.flush()])
    assert not out.any()


def test_rejects_what_it_cannot_keep() -> None:
    with pytest.raises(TypeError):
        resample(np.zeros(10, dtype=np.float64), 8000, 16000)
    with pytest.raises(ValueError):
        resample(np.zeros((10, 2), dtype=np.float32), 8000, 16000)
    with pytest.raises(TypeError):
        StreamResampler(8000, 16000, np.float32).process(np.zeros(10, dtype=np.int16))
