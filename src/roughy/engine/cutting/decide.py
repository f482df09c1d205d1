"""The decision: transcript + audio evidence + options (+ script) -> CutDocument."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from roughy.engine.audio import nearest_zero_crossing_us, quietest_point_us
from roughy.engine.cutting.acoustic import (
    held_islands,
    mark_doubtful_islands,
    mark_held_islands,
    mark_restarted_islands,
    repair_late_words,
    restarted_islands,
)
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
from roughy.engine.transcribe.guards import clamp_to_speech, refine_fillers
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
_HUG_US = 150_000
"""A short wordless sound this close to a kept word is kept with it."""


class _Index:
    """Sorted views of the pieces so every lookup is a bisection (hours of audio, many pieces)."""

    def __init__(self, pieces: Sequence[Piece]) -> None:
        self.dropped = [p for p in pieces if not p.keep]
        self.dropped_starts = [p.start_us for p in self.dropped]
        self.kept = [p for p in pieces if p.keep]
        self.kept_starts = [p.start_us for p in self.kept]
        self.kept_ends = [p.end_us for p in self.kept]

    def dropped_inside(self, start: int, end: int) -> list[Piece]:
        out: list[Piece] = []
        index = bisect_left(self.dropped_starts, start)
        while index < len(self.dropped) and self.dropped[index].start_us < end:
            if self.dropped[index].end_us <= end:
                out.append(self.dropped[index])
            index += 1
        return out

    def speech_bounds(self, start: int, end: int) -> tuple[int, int]:
        """End of the last kept piece before `start`, start of the first after `end`."""
        before = bisect_right(self.kept_ends, start + 1) - 1
        after = bisect_left(self.kept_starts, end - 1)
        floor = self.kept_ends[before] if before >= 0 else 0
        ceiling = self.kept_starts[after] if after < len(self.kept) else 1 << 62
        return floor, ceiling


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
    words = tuple(refine_fillers(clamp_to_speech(transcript.words, signal.speech), signal.speech))
    held: list[Span] = []
    if options.remove_fillers and options.held_word_probability > 0:
        held = held_islands(signal)
        words = tuple(repair_late_words(words, signal.speech, held, options.held_word_probability))
    transcript = replace(transcript, words=words)
    duration = max(signal.duration_us, transcript.duration_us)
    marks = _marks(transcript, options, script)
    if options.remove_fillers:
        mark_doubtful_islands(words, marks, signal.speech, options)
        mark_held_islands(words, marks, held, options)
    restarted: list[Span] = []
    if options.remove_false_starts and script is None:
        restarted = restarted_islands(signal, options.restart_similarity)
        mark_restarted_islands(words, marks, restarted)
    if adjudicator is not None:
        marks = adjudicate(words, marks, adjudicator, options.adjudicate_below, should_cancel)
    if should_cancel is not None and should_cancel():
        raise EngineCancelled("decision cancelled")
    pieces = build_pieces(words, marks, signal, options, held, restarted)
    index = _Index(pieces)
    removals = _removals(pieces, index, duration, options)
    removals = [_snap(r, index, signal, options) for r in removals]
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


def _removals(
    pieces: Sequence[Piece], index: _Index, duration: int, options: CutOptions
) -> list[_Removal]:
    kept = _kept_pieces(pieces)
    if not kept:
        kept = [p for p in pieces if p.keep]
    if not kept:
        return [_Removal(p.start_us, p.end_us, p) for p in pieces]
    out: list[_Removal] = []
    lead = kept[0].start_us - options.pad_before_us
    out += _gap(index, 0, lead, 0, kept[0].start_us, options)
    for a, b in zip(kept, kept[1:], strict=False):
        out += _between(index, a, b, options)
    tail = kept[-1].end_us + options.pad_after_us
    out += _gap(index, tail, duration, kept[-1].end_us, duration, options)
    return out


def _kept_pieces(pieces: Sequence[Piece]) -> list[Piece]:
    """Kept pieces with words, plus wordless voiced pieces that are long or that hug one.

    A short wordless sound right next to a kept word is usually a word the ASR dropped; an
    isolated one is usually a breath, a click or an untranscribed hesitation.
    """
    worded = [p for p in pieces if p.keep and p.words]
    starts = [p.start_us for p in worded]
    ends = [p.end_us for p in worded]
    out: list[Piece] = []
    for piece in pieces:
        if not piece.keep:
            continue
        long_enough = piece.end_us - piece.start_us >= _WORDLESS_SPEECH_US
        if piece.words or long_enough or _hugs(piece, starts, ends):
            out.append(piece)
    return out


def _hugs(piece: Piece, starts: list[int], ends: list[int]) -> bool:
    after = bisect_left(starts, piece.end_us)
    before = bisect_right(ends, piece.start_us) - 1
    near_after = after < len(starts) and starts[after] - piece.end_us < _HUG_US
    near_before = before >= 0 and piece.start_us - ends[before] < _HUG_US
    return near_after or near_before


def _between(index: _Index, a: Piece, b: Piece, options: CutOptions) -> list[_Removal]:
    dropped = index.dropped_inside(a.end_us, b.start_us)
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
    index: _Index,
    start: int,
    end: int,
    speech_start: int,
    speech_end: int,
    options: CutOptions,
) -> list[_Removal]:
    dropped = index.dropped_inside(speech_start, speech_end)
    if dropped:
        return _split(min(start, dropped[0].start_us), max(end, dropped[-1].end_us), dropped)
    if end - start < options.min_cut_us:
        return []
    return [_Removal(start, end, None)]


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
    removal: _Removal, index: _Index, signal: AnalysisSignal, options: CutOptions
) -> _Removal:
    """Move both edges to a quiet point (not into kept speech), then to a zero crossing."""
    floor, ceiling = index.speech_bounds(removal.start_us, removal.end_us)
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
