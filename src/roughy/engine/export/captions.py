"""Captions retimed to the cut, and the decision SRT that lists every span with its fate."""

from __future__ import annotations

from dataclasses import dataclass

from roughy.engine.cutting.text import ends_sentence
from roughy.engine.export.base import kept_words
from roughy.engine.types import CutDocument

MAX_CUE_CHARS = 42
MAX_CUE_US = 6_000_000
CUE_GAP_US = 700_000


@dataclass(frozen=True)
class Cue:
    start_us: int
    end_us: int
    text: str


def caption_cues(doc: CutDocument) -> list[Cue]:
    """Group kept words into readable cues: <= 42 characters and <= 6 s, broken at sentence ends
    and at pauses of the output timeline."""
    cues: list[Cue] = []
    words: list[str] = []
    start = end = 0
    for word, w_start, w_end in kept_words(doc):
        text = word.text.strip()
        if words and _breaks(words, text, start, end, w_start, w_end):
            cues.append(Cue(start, end, " ".join(words)))
            words = []
        if not words:
            start = w_start
        words.append(text)
        end = w_end
    if words:
        cues.append(Cue(start, end, " ".join(words)))
    return _spread(cues)


def _breaks(words: list[str], text: str, start: int, end: int, w_start: int, w_end: int) -> bool:
    return (
        ends_sentence(words[-1])
        or len(" ".join(words)) + 1 + len(text) > MAX_CUE_CHARS
        or w_end - start > MAX_CUE_US
        or w_start - end > CUE_GAP_US
    )


def _spread(cues: list[Cue]) -> list[Cue]:
    """Hold each cue a little longer (up to 0.5 s, never into the next one) for reading."""
    out: list[Cue] = []
    for n, cue in enumerate(cues):
        limit = cues[n + 1].start_us if n + 1 < len(cues) else cue.end_us + 500_000
        out.append(Cue(cue.start_us, min(limit, max(cue.end_us, cue.start_us + 500_000)), cue.text))
    return out


def _timestamp(us: int, separator: str) -> str:
    ms = max(0, us) // 1000
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def to_srt(doc: CutDocument) -> str:
    blocks = [
        f"{n}\n{_timestamp(c.start_us, ',')} --> {_timestamp(c.end_us, ',')}\n{c.text}\n"
        for n, c in enumerate(caption_cues(doc), start=1)
    ]
    return "\n".join(blocks)


def to_vtt(doc: CutDocument) -> str:
    blocks = [
        f"{_timestamp(c.start_us, '.')} --> {_timestamp(c.end_us, '.')}\n{c.text}\n"
        for c in caption_cues(doc)
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


def to_decision_srt(doc: CutDocument) -> str:
    """Every span of the source in order, as `KEEP` or `DROP <kind>: <reason>`, on source time."""
    entries: list[tuple[int, int, str]] = []
    for span in doc.kept:
        text = " ".join(
            w.text for w in doc.words if span.start_us <= (w.start_us + w.end_us) // 2 < span.end_us
        )
        entries.append((span.start_us, span.end_us, "KEEP" + (f"\n{text}" if text else "")))
    for r in doc.removed:
        text = " ".join(
            w.text for w in doc.words if r.start_us <= (w.start_us + w.end_us) // 2 < r.end_us
        )
        label = f"DROP {r.kind.value} ({r.confidence:.2f}): {r.reason}"
        entries.append((r.start_us, r.end_us, label + (f"\n{text}" if text else "")))
    entries.sort()
    return "\n".join(
        f"{n}\n{_timestamp(a, ',')} --> {_timestamp(b, ',')}\n{body}\n"
        for n, (a, b, body) in enumerate(entries, start=1)
    )
