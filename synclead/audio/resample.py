"""Sample-rate conversion with soxr, whole buffers or a stream chunk by chunk.

The engine works at 8 kHz; Whisper and Silero want 16 kHz, Piper speaks at 22.05 kHz.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import soxr

Quality = Literal["QQ", "LQ", "MQ", "HQ", "VHQ"]
Audio = npt.NDArray[np.int16] | npt.NDArray[np.float32]

_DTYPES = (np.dtype(np.int16), np.dtype(np.float32))


def _check(audio: np.ndarray) -> None:
    if audio.dtype not in _DTYPES:
        raise TypeError(f"expected int16 or float32 audio, got {audio.dtype}")
    if audio.ndim != 1:
        raise ValueError(f"expected mono (1-D) audio, got shape {audio.shape}")


# soxr dithers its int16 output, which turns digital silence into ±1 noise: silence must stay exactly zero
# (μ-law idle bytes, the VAD's energy gate), so int16 goes through float32 and is rounded back here.
def _to_float(audio: Audio) -> npt.NDArray[np.float32]:
    if audio.dtype == np.int16:
        return audio.astype(np.float32) * np.float32(1 / 32768)
    return audio  # type: ignore[return-value]


def _from_float(audio: npt.NDArray[np.float32], dtype: np.dtype) -> Audio:
    if dtype == np.int16:
        return np.clip(np.rint(audio * 32768), -32768, 32767).astype(np.int16)
    return audio


def resample(audio: Audio, src_rate: int, dst_rate: int, quality: Quality = "HQ") -> Audio:
    """Resample a whole mono buffer; the output has the input's dtype (int16 or float32)."""
    _check(audio)
    if src_rate == dst_rate or audio.size == 0:
        return audio.copy()
    return _from_float(soxr.resample(_to_float(audio), src_rate, dst_rate, quality=quality), audio.dtype)


class StreamResampler:
    """Resamples a stream chunk by chunk, keeping the filter's state between chunks.

    soxr's filtered qualities (LQ and up) hold ~100 ms back and release it in bursts; "QQ" (cubic) returns
    output for every chunk, which matters where latency does (voice activity on 20 ms frames).
    """

    def __init__(
        self, src_rate: int, dst_rate: int, dtype: type[np.int16] | type[np.float32], quality: Quality = "HQ"
    ) -> None:
        self.src_rate = src_rate
        self.dst_rate = dst_rate
        self.dtype = np.dtype(dtype)
        self.quality: Quality = quality
        self._stream = self._new_stream()

    def _new_stream(self) -> soxr.ResampleStream:
        return soxr.ResampleStream(self.src_rate, self.dst_rate, 1, dtype="float32", quality=self.quality)

    def process(self, chunk: Audio, last: bool = False) -> Audio:
        """Feed one chunk; returns whatever output is ready (possibly empty). `last=True` flushes."""
        _check(chunk)
        if chunk.dtype != self.dtype:
            raise TypeError(f"this stream resamples {self.dtype}, got {chunk.dtype}")
        return _from_float(self._stream.resample_chunk(_to_float(chunk), last=last), self.dtype)

    def flush(self) -> Audio:
        """Return the samples still inside the filter; the stream must be reset before reuse."""
        return self.process(np.zeros(0, dtype=self.dtype), last=True)

    def reset(self) -> None:
        """Forget the filter's history, to start a new stream."""
        self._stream.clear()
