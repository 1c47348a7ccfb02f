"""Silero VAD on real speech after a phone line, with the energy gate and per-call state."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from synclead.audio import mulaw
from synclead.audio.vad import VadStream, get_model
from synclead.engine.ports import FRAME_SAMPLES

WINDOW_8K = 256  # one 32 ms model window, counted in 8 kHz samples


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """A caller's sentence as it arrives from Twilio: Piper speech through μ-law and back."""
    from synclead.providers.tts.piper import PiperTTS

    tts = PiperTTS(noise_scale=0, noise_w_scale=0)  # the same samples on every run
    text = "Hello, I would like to book an appointment for Tuesday morning, please."
    pcm = np.concatenate(list(tts.sentences(text)))
    return mulaw.decode(mulaw.encode(pcm))


def line_noise(seconds: float, rms: float = 30.0) -> np.ndarray:
    """Quiet hiss (~-60 dBFS), through μ-law: what an open line sounds like while nobody speaks."""
    noise = np.random.default_rng(7).normal(0, rms, int(8000 * seconds))
    return mulaw.decode(mulaw.encode(noise.astype(np.int16)))


def feed(stream: VadStream, audio: np.ndarray) -> np.ndarray:
    probabilities: list[float] = []
    for start in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        probabilities.extend(stream.process(audio[start : start + FRAME_SAMPLES]))
    return np.array(probabilities)


def test_speech_is_speech_and_silence_is_not(speech: np.ndarray) -> None:
    silence = np.zeros(8000, dtype=np.int16)
    probabilities = feed(VadStream(), np.concatenate([silence, speech, silence]))
    lead, tail = len(silence) // WINDOW_8K, len(silence) // WINDOW_8K
    during = probabilities[lead : lead + len(speech) // WINDOW_8K]
    assert during.mean() > 0.6
    # Piper leaves short pauses between words, so not every window is speech; most are.
    assert (during > 0.5).mean() > 0.7
    assert probabilities[: lead - 1].max() == 0.0
    assert probabilities[-tail + 2 :].max() == 0.0


def test_low_line_noise_is_not_speech(speech: np.ndarray) -> None:
    stream = VadStream()
    assert feed(stream, line_noise(2.0)).max() < 0.1
    assert stream.gated == 0  # the hiss is above the gate: the model did judge it
    feed(stream, speech)
    after = feed(stream, line_noise(2.0))
    assert after[5:].max() < 0.1  # once the last syllable has left the 32 ms window


def test_energy_gate_skips_the_model_on_digital_silence() -> None:
    model = get_model()
    stream = VadStream(model)
    before = model.runs
    idle = mulaw.decode(mulaw.silence(8000))  # one second of 0xFF from the carrier
    probabilities = feed(stream, idle)
    assert len(probabilities) == stream.windows == stream.gated > 25
    assert not probabilities.any()
    assert model.runs == before


def test_one_window_per_32_ms(speech: np.ndarray) -> None:
    stream = VadStream()
    counts = [len(stream.process(speech[i : i + FRAME_SAMPLES])) for i in range(0, 16000, FRAME_SAMPLES)]
    assert set(counts) <= {0, 1, 2}
    # 2 s of 20 ms frames make 62.5 windows, less the resampler's few samples of delay.
    assert sum(counts) in (61, 62)


def test_state_belongs_to_each_stream(speech: np.ndarray) -> None:
    alone = feed(VadStream(), speech)
    first, second = VadStream(), VadStream()
    other = line_noise(len(speech) / 8000)
    interleaved: list[float] = []
    for start in range(0, len(speech) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        interleaved.extend(first.process(speech[start : start + FRAME_SAMPLES]))
        second.process(other[start : start + FRAME_SAMPLES])
    np.testing.assert_allclose(interleaved, alone, atol=1e-5)


def test_reset_starts_afresh(speech: np.ndarray) -> None:
    stream = VadStream()
    first = feed(stream, speech)
    stream.reset()
    np.testing.assert_allclose(feed(stream, speech), first, atol=1e-5)


def test_one_model_per_process() -> None:
    with ThreadPoolExecutor(8) as pool:
        models = set(map(id, pool.map(lambda _: get_model(), range(32))))
    assert len(models) == 1
    assert VadStream().model is get_model()


def test_loading_the_vad_does_not_load_whisper() -> None:
    code = (
        "import sys; from synclead.audio.vad import get_model; get_model(); "
        "assert 'faster_whisper' not in sys.modules and 'ctranslate2' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
