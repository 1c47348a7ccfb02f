"""G.711 μ-law, the encoding of telephone audio (Twilio media streams carry 8 kHz μ-law bytes)."""

from __future__ import annotations

import warnings

import numpy as np

from synclead.engine.ports import FRAME_SAMPLES, Pcm

# Python 3.12 still ships audioop but warns on import; 3.13+ gets the same module from `audioop-lts`.
# Its C codec is exact G.711 and ~50x faster than a numpy table lookup for 160-byte frames.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

# μ-law stores the complement of sign/exponent/mantissa, so digital silence (+0) is 0xFF, not 0x00.
SILENCE_BYTE = 0xFF


def decode(ulaw: bytes) -> Pcm:
    """μ-law bytes to 16-bit PCM, one sample per byte. The array is the caller's to modify."""
    return np.frombuffer(bytearray(audioop.ulaw2lin(ulaw, 2)), dtype=np.int16)


def encode(pcm: Pcm) -> bytes:
    """16-bit PCM to μ-law bytes, one byte per sample."""
    if pcm.dtype != np.int16:
        # A silent cast would wrap loud int32/float samples around into noise.
        raise TypeError(f"expected int16 PCM, got {pcm.dtype}")
    return audioop.lin2ulaw(pcm.tobytes(), 2)


def silence(samples: int = FRAME_SAMPLES) -> bytes:
    """μ-law digital silence; one 20 ms frame by default."""
    return bytes([SILENCE_BYTE]) * samples
