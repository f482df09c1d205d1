"""Shared pieces of every export: source description, result type, cut-timeline arithmetic."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from roughy.engine.types import CutDocument, Span, Word

DEFAULT_FRAME_RATE = Fraction(30)


@dataclass(frozen=True)
class ExportSource:
    """What the exports need to know about the source media.

    `path` becomes the media reference of timeline formats (an absolute path or a URL); `name` is
    the clip/reel name. Audio-only sources are laid out on a `frame_rate` grid too (30 by default).
    """

    name: str
    path: str | None = None
    frame_rate: Fraction | None = None
    has_video: bool = True
    width: int | None = None
    height: int | None = None
    audio_sample_rate: int = 48_000
    audio_channels: int = 2
    has_audio: bool = True

    @property
    def rate(self) -> Fraction:
        return self.frame_rate or DEFAULT_FRAME_RATE

    @property
    def url(self) -> str:
        if self.path is None:
            return self.name
        if "://" in self.path:
            return self.path
        return "file://" + self.path


@dataclass(frozen=True)
class ExportedFile:
    content: bytes
    media_type: str
    extension: str


def to_frame(us: int, rate: Fraction) -> int:
    """Nearest frame index of a source time (exact rational arithmetic, no float drift)."""
    return round(Fraction(us, 1_000_000) * rate)


def frame_spans(kept: Sequence[Span], rate: Fraction) -> list[tuple[int, int]]:
    """Kept spans snapped to the frame grid as [first, end) frame indices; empty ones dropped."""
    out: list[tuple[int, int]] = []
    for span in kept:
        first, end = to_frame(span.start_us, rate), to_frame(span.end_us, rate)
        if out and first < out[-1][1]:
            first = out[-1][1]
        if end > first:
            out.append((first, end))
    return out


class CutClock:
    """Maps source times to output times of the cut (kept spans played back to back)."""

    def __init__(self, kept: Sequence[Span]) -> None:
        self.kept = list(kept)
        self._starts = [s.start_us for s in self.kept]
        self._offsets: list[int] = []
        total = 0
        for span in self.kept:
            self._offsets.append(total)
            total += span.duration_us
        self.duration_us = total

    def span_of(self, us: int) -> int | None:
        index = bisect_right(self._starts, us) - 1
        if index < 0 or us >= self.kept[index].end_us:
            return None
        return index

    def to_output(self, us: int) -> int | None:
        index = self.span_of(us)
        if index is None:
            return None
        return self._offsets[index] + us - self.kept[index].start_us


def kept_words(doc: CutDocument) -> list[tuple[Word, int, int]]:
    """Words whose middle survives the cut, with start/end retimed to the output timeline."""
    clock = CutClock(doc.kept)
    out: list[tuple[Word, int, int]] = []
    for word in doc.words:
        middle = (word.start_us + word.end_us) // 2
        index = clock.span_of(middle)
        if index is None:
            continue
        span = doc.kept[index]
        start = clock.to_output(max(word.start_us, span.start_us))
        end = clock.to_output(min(word.end_us, span.end_us - 1))
        if start is not None and end is not None:
            out.append((word, start, end + 1))
    return out
