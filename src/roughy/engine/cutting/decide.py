"""The decision: transcript + audio evidence + options (+ script) -> CutDocument."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from roughy.engine.audio import (
    nearest_zero_crossing_us,
    quietest_point_us,
)
from roughy.engine.cutting.adjudicator import Adjudicator, adjudicator_veto
from roughy.engine.cutting.context import gather
from roughy.engine.cutting.marks import Mark, Marks
from roughy.engine.cutting.options import CutOptions
from roughy.engine.cutting.pieces import Piece, build_pieces
from roughy.engine.cutting.resolve import resolve
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
    Word,
)

_WORDLESS_SPEECH_US = 700_000
"""A voiced island this long without words is probably speech the ASR missed: keep it."""
_VOICED_SHARE = 0.6
"""A wordless sound with at least this share of periodic frames is a voice, not a breath."""
_MISSED_WORD_MAX_US = 400_000
"""Shorter voiced sounds without words are the short words ASR misses ("The", "My"); a longer
single syllable the ASR wrote nothing for, even with its filler hint, is most likely a
hesitation."""
PAUSES = "pauses"
_DEAD_AIR = Mark(
    RemovalKind.SILENCE, "no speech in the recording: dead air", 0.95, "dead_air", "acoustic"
)
_HUG_US = 200_000
"""A short wordless sound this close to a kept word is kept with it."""


class _Index:
    """Sorted views of the pieces so every lookup is a bisection (hours of audio, many pieces)."""

    def __init__(self, pieces: Sequence[Piece], speech: Sequence[Span]) -> None:
        self.speech = speech
        self.speech_ends = [s.end_us for s in speech]
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

    def voice_starts(self, piece: Piece) -> int:
        """Where the voice in a piece begins (its start may be only a word's stamp)."""
        at = bisect_right(self.speech_ends, piece.start_us)
        if at < len(self.speech) and self.speech[at].start_us < piece.end_us:
            return max(piece.start_us, self.speech[at].start_us)
        return piece.start_us

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
    ctx = gather(transcript, signal, options, script)
    vetoes = [adjudicator_veto(adjudicator, should_cancel)] if adjudicator is not None else []
    decision = resolve(ctx, vetoes)
    if should_cancel is not None and should_cancel():
        raise EngineCancelled("decision cancelled")
    words = ctx.words
    duration = max(signal.duration_us, transcript.duration_us)
    pieces = build_pieces(words, decision.removed, signal, options, ctx.held, ctx.restarted)
    index = _Index(pieces, signal.speech)
    removals = _removals(pieces, index, duration, signal, options)
    removals = [_snap(r, index, signal, options) for r in removals]
    removed = _finalise(removals, duration, options)
    kept = _complement(removed, duration)
    if on_progress is not None:
        on_progress(1.0)
    return CutDocument(
        source_duration_us=duration,
        kept=tuple(kept),
        removed=tuple(removed),
        suggested=tuple(
            sorted(
                _suggestions(words, decision.suggested, kept) + _wordless_suggestions(pieces),
                key=lambda r: r.start_us,
            )
        ),
        words=words,
        language=transcript.language,
        frame_rate=frame_rate,
        settings={
            "options": options.to_dict(),
            "script": script is not None,
            "model": transcript.model,
        },
    )


def _wordless_suggestions(pieces: Sequence[Piece]) -> list[RemovedSpan]:
    return [
        RemovedSpan(p.start_us, p.end_us, m.kind, m.reason, m.confidence, m.pass_name)
        for p in pieces
        if (m := p.suggestion) is not None
    ]


def _suggestions(words: Sequence[Word], marks: Marks, kept: Sequence[Span]) -> list[RemovedSpan]:
    """One span per run of words with the same suggested mark, where those words were kept."""
    out: list[RemovedSpan] = []
    previous = None
    for i, mark in enumerate(marks):
        if mark is None:
            previous = None
            continue
        word = words[i]
        if not any(s.start_us <= word.start_us and word.end_us <= s.end_us for s in kept):
            previous = None
            continue
        if previous is mark and out:
            out[-1] = replace(out[-1], end_us=word.end_us)
        else:
            out.append(
                RemovedSpan(
                    word.start_us,
                    word.end_us,
                    mark.kind,
                    mark.reason,
                    mark.confidence,
                    mark.pass_name,
                )
            )
        previous = mark
    return out


def _removals(
    pieces: Sequence[Piece],
    index: _Index,
    duration: int,
    signal: AnalysisSignal,
    options: CutOptions,
) -> list[_Removal]:
    kept = _kept_pieces(pieces, signal)
    if not kept:
        return [_Removal(0, duration, Piece(0, duration, _DEAD_AIR, ()))]
    out: list[_Removal] = []
    lead = kept[0].start_us - options.pad_before_us
    out += _gap(index, 0, lead, 0, kept[0].start_us, options)
    for a, b in zip(kept, kept[1:], strict=False):
        out += _between(index, a, b, options)
    tail = kept[-1].end_us + options.pad_after_us
    out += _gap(index, tail, duration, kept[-1].end_us, duration, options)
    return out


def _kept_pieces(pieces: Sequence[Piece], signal: AnalysisSignal) -> list[Piece]:
    """Kept pieces with words, plus wordless pieces that are long, voiced, or that hug one.

    A short wordless sound right next to a kept word is usually a word the ASR dropped. An
    isolated one is a breath or a click when it is unvoiced; when it is voiced and short, or has
    several syllables, it is most likely words the ASR missed (a short article, a whole phrase),
    and losing a word is worse than keeping a stray sound. (Held hesitations were already
    dropped.)
    """
    worded = [p for p in pieces if p.keep and p.words]
    starts = [p.start_us for p in worded]
    ends = [p.end_us for p in worded]
    out: list[Piece] = []
    for piece in pieces:
        if not piece.keep:
            continue
        long_enough = piece.end_us - piece.start_us >= _WORDLESS_SPEECH_US
        if piece.words or long_enough or _hugs(piece, starts, ends) or _voiced(piece, signal):
            out.append(piece)
    return out


def _hugs(piece: Piece, starts: list[int], ends: list[int]) -> bool:
    after = bisect_left(starts, piece.end_us)
    before = bisect_right(ends, piece.start_us) - 1
    near_after = after < len(starts) and starts[after] - piece.end_us < _HUG_US
    near_before = before >= 0 and piece.start_us - ends[before] < _HUG_US
    return near_after or near_before


def _voiced(piece: Piece, signal: AnalysisSignal) -> bool:
    """A voice, and either short (a missed short word) or several syllables (missed words)."""
    descriptor = signal.describe(piece.start_us, piece.end_us)
    if descriptor is None or descriptor.voiced < _VOICED_SHARE:
        return False
    return piece.end_us - piece.start_us < _MISSED_WORD_MAX_US or descriptor.nuclei >= 2


def _between(index: _Index, a: Piece, b: Piece, options: CutOptions) -> list[_Removal]:
    dropped = index.dropped_inside(a.end_us, b.start_us)
    start = a.end_us + options.pad_after_us
    end = b.start_us - options.pad_before_us
    if dropped:
        # A word's ending decays past where the VAD says it stops: the padding after kept
        # speech gives way to the dropped piece's voice, not to a stamp inside that padding.
        start = min(start, index.voice_starts(dropped[0]))
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
        return RemovedSpan(start, end, RemovalKind.SILENCE, reason, 0.99, PAUSES)
    mark = piece.mark
    return RemovedSpan(start, end, mark.kind, mark.reason, mark.confidence, mark.pass_name)


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
