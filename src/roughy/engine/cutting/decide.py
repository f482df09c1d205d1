"""The decision: transcript + audio evidence + options (+ script) -> CutDocument."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from roughy.engine.audio import nearest_zero_crossing_us, quietest_point_us
from roughy.engine.cutting.adjudicator import Adjudicator, adjudicate
from roughy.engine.cutting.options import CutOptions
from roughy.engine.cutting.pieces import Piece, build_pieces
from roughy.engine.cutting.rules import (
    Marks,
    mark_cued_retakes,
    mark_fillers,
    mark_stutters,
    mark_words,
)
from roughy.engine.cutting.script import mark_script
from roughy.engine.cutting.signal import AnalysisSignal
from roughy.engine.types import (
    CancelCheck,
    CutDocument,
    EngineCancelled,
    ProgressCallback,
    RemovalKind,
    RemovedSpan,
    Span,
    Transcript,
)


_WORDLESS_SPEECH_US = 700_000
"""A voiced island this long without words is probably speech the ASR missed: keep it."""


@dataclass(frozen=True)
class _Removal:
    start_us: int
    end_us: int
    piece: Piece | None


def decide_cut(
    transcript: Transcript,
    signal: AnalysisSignal,
    options: CutOptions | None = None,
    *,
    script: str | None = None,
    adjudicator: Adjudicator | None = None,
    frame_rate: Fraction | None = None,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> CutDocument:
    """Decide what to keep. Silences come from the audio, never from word spans."""
    options = options or CutOptions()
    words = transcript.words
    duration = max(signal.duration_us, transcript.duration_us)
    marks = _marks(transcript, options, script)
    if adjudicator is not None:
        marks = adjudicate(words, marks, adjudicator, options.adjudicate_below, should_cancel)
    if should_cancel is not None and should_cancel():
        raise EngineCancelled("decision cancelled")
    pieces = build_pieces(words, marks, signal, options)
    removals = _removals(pieces, duration, options)
    removals = [_snap(r, pieces, signal, options) for r in removals]
    removed = _finalise(removals, duration, options)
    kept = _complement(removed, duration)
    if on_progress is not None:
        on_progress(1.0)
    return CutDocument(
        source_duration_us=duration,
        kept=tuple(kept),
        removed=tuple(removed),
        words=words,
        language=transcript.language,
        frame_rate=frame_rate,
        settings={
            "options": options.to_dict(),
            "script": script is not None,
            "model": transcript.model,
        },
    )


def _marks(transcript: Transcript, options: CutOptions, script: str | None) -> Marks:
    words = transcript.words
    if not script:
        return mark_words(words, options)
    marks: Marks = [None] * len(words)
    if options.remove_fillers:
        mark_fillers(words, marks)
    mark_cued_retakes(words, marks, options)
    if options.remove_stutters:
        mark_stutters(words, marks)
    mark_script(words, script, marks, options)
    return marks


def _removals(pieces: Sequence[Piece], duration: int, options: CutOptions) -> list[_Removal]:
    kept = [
        p for p in pieces if p.keep and (p.words or p.end_us - p.start_us >= _WORDLESS_SPEECH_US)
    ]
    if not kept:
        kept = [p for p in pieces if p.keep]
    if not kept:
        return [_Removal(p.start_us, p.end_us, p) for p in pieces]
    out: list[_Removal] = []
    lead = kept[0].start_us - options.pad_before_us
    out += _gap(pieces, 0, lead, 0, kept[0].start_us, options)
    for a, b in zip(kept, kept[1:], strict=False):
        out += _between(pieces, a, b, options)
    tail = kept[-1].end_us + options.pad_after_us
    out += _gap(pieces, tail, duration, kept[-1].end_us, duration, options)
    return out


def _between(pieces: Sequence[Piece], a: Piece, b: Piece, options: CutOptions) -> list[_Removal]:
    dropped = _dropped_inside(pieces, a.end_us, b.start_us)
    start = a.end_us + options.pad_after_us
    end = b.start_us - options.pad_before_us
    if dropped:
        start = min(start, dropped[0].start_us)
        end = max(end, dropped[-1].end_us)
        return _split(start, end, dropped)
    silence = b.start_us - a.end_us
    if silence <= options.max_pause_us:
        return []
    before = max(options.pad_after_us, options.pause_target_us - options.pad_before_us)
    after = max(options.pad_before_us, options.pause_target_us - before)
    return [_Removal(a.end_us + before, b.start_us - after, None)]


def _gap(
    pieces: Sequence[Piece],
    start: int,
    end: int,
    speech_start: int,
    speech_end: int,
    options: CutOptions,
) -> list[_Removal]:
    dropped = _dropped_inside(pieces, speech_start, speech_end)
    if dropped:
        return _split(min(start, dropped[0].start_us), max(end, dropped[-1].end_us), dropped)
    if end - start < options.min_cut_us:
        return []
    return [_Removal(start, end, None)]


def _dropped_inside(pieces: Sequence[Piece], start: int, end: int) -> list[Piece]:
    return [p for p in pieces if not p.keep and p.start_us >= start and p.end_us <= end]


def _split(start: int, end: int, dropped: list[Piece]) -> list[_Removal]:
    """One removal per dropped piece; each owns the silence up to the next one."""
    out: list[_Removal] = []
    for n, piece in enumerate(dropped):
        lo = start if n == 0 else piece.start_us
        hi = end if n + 1 == len(dropped) else dropped[n + 1].start_us
        if hi > lo:
            out.append(_Removal(lo, hi, piece))
    return out


def _snap(
    removal: _Removal, pieces: Sequence[Piece], signal: AnalysisSignal, options: CutOptions
) -> _Removal:
    """Move both edges to a quiet point (not into kept speech), then to a zero crossing."""
    floor, ceiling = _kept_speech_bounds(pieces, removal)
    radius = options.snap_radius_us
    start = removal.start_us
    end = removal.end_us
    if start > 0:
        start = quietest_point_us(signal.energy_db, max(floor, start - radius), start + radius)
        start = max(floor, nearest_zero_crossing_us(signal.samples, start))
    if end < signal.duration_us:
        end = quietest_point_us(signal.energy_db, end - radius, min(ceiling, end + radius))
        end = min(ceiling, nearest_zero_crossing_us(signal.samples, end))
    if end <= start:
        return _Removal(removal.start_us, removal.end_us, removal.piece)
    return _Removal(start, end, removal.piece)


def _kept_speech_bounds(pieces: Sequence[Piece], removal: _Removal) -> tuple[int, int]:
    floor = 0
    ceiling = 1 << 62
    for piece in pieces:
        if not piece.keep:
            continue
        if piece.end_us <= removal.start_us + 1:
            floor = max(floor, piece.end_us)
        elif piece.start_us >= removal.end_us - 1:
            ceiling = min(ceiling, piece.start_us)
    return floor, ceiling


def _finalise(removals: list[_Removal], duration: int, options: CutOptions) -> list[RemovedSpan]:
    out: list[RemovedSpan] = []
    for r in sorted(removals, key=lambda r: r.start_us):
        start = max(0, r.start_us, out[-1].end_us if out else 0)
        end = min(duration, r.end_us)
        if end - start < (options.min_cut_us if r.piece is None else 20_000):
            continue
        out.append(_removed_span(start, end, r.piece, options))
    return out


def _removed_span(start: int, end: int, piece: Piece | None, options: CutOptions) -> RemovedSpan:
    if piece is None or piece.mark is None:
        target = options.pause_target_us / 1_000_000
        reason = f"pause shortened by {(end - start) / 1_000_000:.2f}s (kept ~{target:.2f}s)"
        return RemovedSpan(start, end, RemovalKind.SILENCE, reason, 0.99)
    return RemovedSpan(start, end, piece.mark.kind, piece.mark.reason, piece.mark.confidence)


def _complement(removed: Sequence[RemovedSpan], duration: int) -> list[Span]:
    kept: list[Span] = []
    cursor = 0
    for r in removed:
        if r.start_us > cursor:
            kept.append(Span(cursor, r.start_us))
        cursor = max(cursor, r.end_us)
    if cursor < duration:
        kept.append(Span(cursor, duration))
    return kept
