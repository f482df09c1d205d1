"""Value types shared by the analysis and render halves of the engine.

Media time is integer microseconds everywhere in the engine (`*_us`); frame rates are `Fraction`s.
Everything here is frozen and JSON-serialisable through `to_dict`/`from_dict`, so a cut document can
be stored, shipped over the API and re-read by a later version of Roughy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

# Re-exported: callers have long imported the error base classes from here.
from roughy.engine.errors import EngineCancelled as EngineCancelled
from roughy.engine.errors import EngineError as EngineError
from roughy.engine.errors import MediaUnreadable as MediaUnreadable

CUT_DOCUMENT_VERSION = 1

ProgressCallback = Callable[[float], None]
"""Called with a fraction in [0, 1] as work advances."""

CancelCheck = Callable[[], bool]
"""Polled during long work; returning True asks the engine to stop with `EngineCancelled`."""


class RemovalKind(StrEnum):
    FILLER = "filler"
    SILENCE = "silence"
    FALSE_START = "false_start"
    RETAKE = "retake"
    RETAKE_CUE = "retake_cue"
    OFF_SCRIPT = "off_script"
    STUTTER = "stutter"
    MANUAL = "manual"  # removed by a reviewer in an edited cut


@dataclass(frozen=True)
class Span:
    """A half-open interval [start_us, end_us) on the source timeline."""

    start_us: int
    end_us: int

    @property
    def duration_us(self) -> int:
        return self.end_us - self.start_us

    def to_dict(self) -> dict[str, Any]:
        return {"start_us": self.start_us, "end_us": self.end_us}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Span:
        return cls(start_us=int(data["start_us"]), end_us=int(data["end_us"]))


@dataclass(frozen=True)
class Word:
    text: str
    start_us: int
    end_us: int
    probability: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start_us": self.start_us,
            "end_us": self.end_us,
            "probability": round(self.probability, 4),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Word:
        return cls(
            text=str(data["text"]),
            start_us=int(data["start_us"]),
            end_us=int(data["end_us"]),
            probability=float(data.get("probability", 1.0)),
        )


@dataclass(frozen=True)
class Transcript:
    language: str
    words: tuple[Word, ...]
    model: str
    duration_us: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "model": self.model,
            "duration_us": self.duration_us,
            "words": [w.to_dict() for w in self.words],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        return cls(
            language=str(data["language"]),
            model=str(data["model"]),
            duration_us=int(data["duration_us"]),
            words=tuple(Word.from_dict(w) for w in data["words"]),
        )


@dataclass(frozen=True)
class RemovedSpan:
    """A span the engine decided on. In `CutDocument.removed` it is cut; in
    `CutDocument.suggested` it is kept, proposed for removal to a reviewer.
    `pass_name` names the decision pass that proposed it (empty in documents from before passes)."""

    start_us: int
    end_us: int
    kind: RemovalKind
    reason: str
    confidence: float
    pass_name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_us": self.start_us,
            "end_us": self.end_us,
            "kind": self.kind.value,
            "reason": self.reason,
            "confidence": round(self.confidence, 4),
            "pass": self.pass_name,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RemovedSpan:
        return cls(
            start_us=int(data["start_us"]),
            end_us=int(data["end_us"]),
            kind=RemovalKind(data["kind"]),
            reason=str(data["reason"]),
            confidence=float(data["confidence"]),
            pass_name=str(data.get("pass", "")),
        )


@dataclass(frozen=True)
class CutDocument:
    """The decision: which spans of the source to keep, and why everything else went.
    `suggested` are removals the engine was not sure of: they stay inside `kept` until a reviewer
    accepts them."""

    source_duration_us: int
    kept: tuple[Span, ...]
    removed: tuple[RemovedSpan, ...]
    words: tuple[Word, ...]
    language: str
    frame_rate: Fraction | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    version: int = CUT_DOCUMENT_VERSION
    suggested: tuple[RemovedSpan, ...] = ()

    @property
    def kept_duration_us(self) -> int:
        return sum(s.duration_us for s in self.kept)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "source_duration_us": self.source_duration_us,
            "language": self.language,
            "frame_rate": None if self.frame_rate is None else str(self.frame_rate),
            "kept": [s.to_dict() for s in self.kept],
            "removed": [r.to_dict() for r in self.removed],
            "suggested": [r.to_dict() for r in self.suggested],
            "words": [w.to_dict() for w in self.words],
            "settings": self.settings,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CutDocument:
        rate = data.get("frame_rate")
        return cls(
            version=int(data.get("version", CUT_DOCUMENT_VERSION)),
            source_duration_us=int(data["source_duration_us"]),
            language=str(data.get("language", "")),
            frame_rate=None if rate in (None, "") else Fraction(rate),
            kept=tuple(Span.from_dict(s) for s in data["kept"]),
            removed=tuple(RemovedSpan.from_dict(r) for r in data["removed"]),
            suggested=tuple(RemovedSpan.from_dict(r) for r in data.get("suggested", [])),
            words=tuple(Word.from_dict(w) for w in data["words"]),
            settings=dict(data.get("settings", {})),
        )
