"""The benchmark's pre-made audio: the agent's voiced tone burst and the caller's recorded sentence."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np

from synclead.engine.ports import FRAME_SAMPLES, SAMPLE_RATE, Pcm

TONE_MS: Final = 2_000
# About 1.7 s: long enough to be a turn, short enough for several turns and barge-ins in a 30 s call.
CALLER_SENTENCE: Final = "I would like to book a visit please."
# Below this level (about -50 dBFS) a frame counts as the silence around the speech.
_TRIM_LEVEL: Final = 100


def tone_burst(duration_ms: int = TONE_MS) -> Pcm:
    """A steady voiced sound (a 140 Hz buzz with falling harmonics), faded in and out so it does not click.

    It stands for the agent's speech: all the server does with it is encode and pace it, so its content does not
    matter, only that it is audio of a known, frame-aligned length.
    """
    t = np.arange(duration_ms * SAMPLE_RATE // 1000) / SAMPLE_RATE
    wave = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 12))
    wave *= 0.25 / np.max(np.abs(wave))
    fade = min(len(t) // 2, SAMPLE_RATE // 50)
    envelope = np.ones_like(t)
    envelope[:fade] = np.linspace(0, 1, fade)
    envelope[-fade:] = np.linspace(1, 0, fade)
    return (wave * envelope * 32767).astype(np.int16)


def trim_silence(audio: Pcm) -> Pcm:
    """Cut the quiet before and after the speech, so its first frame is its onset (barge-in is timed from it)."""
    frames = len(audio) // FRAME_SAMPLES
    levels = np.abs(audio[: frames * FRAME_SAMPLES].reshape(frames, FRAME_SAMPLES).astype(np.int32)).max(axis=1)
    loud = np.flatnonzero(levels >= _TRIM_LEVEL)
    if loud.size == 0:
        return audio[:0]
    return audio[loud[0] * FRAME_SAMPLES : (loud[-1] + 1) * FRAME_SAMPLES]


async def render_caller_speech(language: str = "en", text: str = CALLER_SENTENCE) -> Pcm:
    """The caller's sentence in the offline voice: real speech, because the server's voice activity detector
    is the real one and a tone would not open a turn."""
    from synclead.providers.tts.voices import LanguageVoices

    audio = await LanguageVoices.offline().render(text, language, remember=False)
    return trim_silence(audio)


def save_mulaw(path: Path, audio: Pcm) -> None:
    from synclead.audio import mulaw

    path.write_bytes(mulaw.encode(audio))
