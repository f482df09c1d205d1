"""From marked words and voiced islands to kept and dropped pieces of the timeline."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from roughy.engine.audio import FRAME_US, quietest_point_us
from roughy.engine.cutting.marks import Mark, Marks
from roughy.engine.cutting.options import CutOptions
from roughy.engine.cutting.passes.fillers import HELD_CONFIDENCE
from roughy.engine.cutting.signal import AnalysisSignal
from roughy.engine.types import RemovalKind, Span, Word

_PAUSE_DEPTH_DB = 20.0
"""A point this far below the loudest tenth of its stretch is a pause between words (within
words the level dips 6-12 dB at most; measured on the first engine's corpus)."""
_FLOOR_MARGIN_DB = 4.0
"""Under a noise or music bed a pause cannot be 20 dB below the speech: a point this close to
the recording's floor is a pause too (tuning corpus: beds 30 dB under speech, pauses within
2 dB of the bed)."""
_ARTICULATED_FLUX = 2.0
"""Spectral flux (dB per band per frame) above which a stretch is articulated speech; held
hesitations measure about 1, running speech 2.5 and more."""
_LONG_FILLER_US = 600_000
"""A filler this long with three energy nuclei or more is a phrase (a filler is one sustained
syllable, two for "uh-um")."""
_UNTRANSCRIBED = Mark(
    RemovalKind.FILLER,
    "short untranscribed sound between pauses",
    0.5,
    "untranscribed_sounds",
    "acoustic",
)
_RESTARTED = Mark(
    RemovalKind.FALSE_START,
    "untranscribed fragment said again right after",
    0.6,
    "acoustic_restarts",
    "acoustic",
)
_HELD = Mark(
    RemovalKind.FILLER,
    "untranscribed held hesitation sound between pauses",
    HELD_CONFIDENCE,
    "held_hesitations",
    "acoustic",
)
_WORDLESS_HELD_MIN_US = 250_000
"""With the audio as the only witness, a hesitation must be sustained: a shorter steady sound
is as likely the first vowel of a word the VAD split off."""


@dataclass
class Unit:
    """A maximal stretch where voiced islands and word spans overlap one another."""

    start_us: int
    end_us: int
    words: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Piece:
    start_us: int
    end_us: int
    mark: Mark | None
    words: tuple[int, ...]
    suggestion: Mark | None = None
    """A removal proposed for this kept piece, not sure enough to be made."""

    @property
    def keep(self) -> bool:
        return self.mark is None


def _wordless(start: int, end: int, mark: Mark, options: CutOptions) -> Piece:
    """A wordless piece the audio proposes to remove: removed when sure enough, else kept and
    suggested."""
    if mark.confidence >= options.remove_at:
        return Piece(start, end, mark, ())
    return Piece(start, end, None, (), mark)


def build_units(words: Sequence[Word], signal: AnalysisSignal) -> list[Unit]:
    intervals: list[tuple[int, int, int]] = [(s.start_us, s.end_us, -1) for s in signal.speech]
    intervals += [(w.start_us, w.end_us, i) for i, w in enumerate(words)]
    intervals.sort()
    units: list[Unit] = []
    for start, end, index in intervals:
        if units and start < units[-1].end_us:
            units[-1].end_us = max(units[-1].end_us, end)
        else:
            units.append(Unit(start, end))
        if index >= 0:
            units[-1].words.append(index)
    return units


def build_pieces(
    words: Sequence[Word],
    marks: Marks,
    signal: AnalysisSignal,
    options: CutOptions,
    held: Sequence[Span] = (),
    restarted: Sequence[Span] = (),
) -> list[Piece]:
    """`held` are islands that sound like hesitations, `restarted` ones said again right after
    (false starts); a wordless unit on one is dropped."""
    pieces: list[Piece] = []
    held_starts = [h.start_us for h in held]
    restart_starts = [r.start_us for r in restarted]
    for unit in build_units(words, signal):
        sustained = unit.end_us - unit.start_us >= _WORDLESS_HELD_MIN_US
        if not unit.words and sustained and _on_held(unit, held, held_starts):
            pieces.append(_wordless(unit.start_us, unit.end_us, _HELD, options))
            continue
        if not unit.words and _on_held(unit, restarted, restart_starts):
            pieces.append(_wordless(unit.start_us, unit.end_us, _RESTARTED, options))
            continue
        pieces.extend(_unit_pieces(unit, words, marks, signal, options))
    return pieces


def _on_held(unit: Unit, held: Sequence[Span], starts: list[int]) -> bool:
    """The unit lies mostly on one of the (sorted, disjoint) islands."""
    index = bisect_right(starts, unit.end_us) - 1
    if index < 0:
        return False
    island = held[index]
    inside = min(unit.end_us, island.end_us) - max(unit.start_us, island.start_us)
    return 2 * inside >= unit.end_us - unit.start_us


def _unit_pieces(
    unit: Unit, words: Sequence[Word], marks: Marks, signal: AnalysisSignal, options: CutOptions
) -> list[Piece]:
    if not unit.words:
        short = unit.end_us - unit.start_us < options.drop_untranscribed_us
        if short:
            return [_wordless(unit.start_us, unit.end_us, _UNTRANSCRIBED, options)]
        return [Piece(unit.start_us, unit.end_us, None, ())]
    runs = _runs(sorted(unit.words), marks)
    quiet = _quiet_level(unit, signal)
    bounds = [
        _boundary(words[runs[n][1][-1]], words[runs[n + 1][1][0]], signal, quiet)
        for n in range(len(runs) - 1)
    ]
    runs = _spare_uncuttable(runs, bounds, unit, signal, quiet)
    pieces: list[Piece] = []
    start = unit.start_us
    for n, (mark, indices) in enumerate(runs):
        end = bounds[n] if n + 1 < len(runs) else unit.end_us
        end = max(start, end)
        if pieces and pieces[-1].keep and mark is None:
            pieces[-1] = Piece(pieces[-1].start_us, end, None, pieces[-1].words + tuple(indices))
        else:
            pieces.append(Piece(start, end, mark, tuple(indices)))
        start = end
    return pieces


def _spare_uncuttable(
    runs: list[tuple[Mark | None, list[int]]],
    bounds: list[int],
    unit: Unit,
    signal: AnalysisSignal,
    quiet: float | None,
) -> list[tuple[Mark | None, list[int]]]:
    """Keep a dropped run that has no real pause on a side it shares with kept speech (cutting
    there would clip the neighbouring word; keeping a stray filler is the lesser harm), and a
    filler run that does not sound like a filler (see `_articulated`)."""
    if quiet is None:
        return runs
    out = list(runs)
    for n, (mark, indices) in enumerate(runs):
        if mark is None:
            continue
        edges = ([bounds[n - 1]] if n > 0 else []) + ([bounds[n]] if n < len(bounds) else [])
        if any(_energy_at(signal, edge) > quiet for edge in edges):
            out[n] = (None, indices)
        elif mark.kind is RemovalKind.FILLER:
            start = bounds[n - 1] if n > 0 else unit.start_us
            end = bounds[n] if n < len(bounds) else unit.end_us
            if _articulated(signal, start, end):
                out[n] = (None, indices)
    return out


def _articulated(signal: AnalysisSignal, start_us: int, end_us: int) -> bool:
    """A filler must sound like one: a stretch whose spectrum keeps moving is words the ASR
    wrote a filler over (a long "Umm," stamped over a phrase, or one word in running speech)."""
    descriptor = signal.describe(start_us, end_us)
    if descriptor is None:
        return False
    several_syllables = end_us - start_us >= _LONG_FILLER_US and descriptor.nuclei >= 3
    return descriptor.flux > _ARTICULATED_FLUX or several_syllables


def _energy_at(signal: AnalysisSignal, at_us: int) -> float:
    frame = min(max(0, at_us // FRAME_US), signal.energy_db.shape[0] - 1)
    return float(signal.energy_db[frame])


def _runs(indices: list[int], marks: Marks) -> list[tuple[Mark | None, list[int]]]:
    runs: list[tuple[Mark | None, list[int]]] = []
    for i in indices:
        if runs and (runs[-1][0] is None) == (marks[i] is None):
            runs[-1][1].append(i)
        else:
            runs.append((marks[i], [i]))
    return runs


def _quiet_level(unit: Unit, signal: AnalysisSignal) -> float | None:
    """A level (dB) below which a point of this stretch is a pause between words."""
    first = unit.start_us // FRAME_US
    level = signal.energy_db[first : max(first + 1, unit.end_us // FRAME_US)]
    if level.size == 0:
        return None
    return max(
        float(np.percentile(level, 90)) - _PAUSE_DEPTH_DB, signal.floor_db + _FLOOR_MARGIN_DB
    )


BOUNDARY_REACH_US = 120_000
"""ASR stamps of adjacent words can be off by this much (measured on the tuning corpus: a
stutter's pause 60-120 ms after the stamped boundary): when no pause lies between the stamps,
the pause is looked for this far around them, never past the middle of either word."""


def _boundary(before: Word, after: Word, signal: AnalysisSignal, quiet: float | None) -> int:
    """The quietest point between two adjacent words of different fate."""
    lo, hi = sorted((before.end_us, after.start_us))
    narrow = quietest_point_us(signal.energy_db, lo - 30_000, hi + 30_000)
    if quiet is None or _energy_at(signal, narrow) <= quiet:
        return narrow
    floor = max(lo - BOUNDARY_REACH_US, (before.start_us + before.end_us) // 2)
    ceiling = min(hi + BOUNDARY_REACH_US, (after.start_us + after.end_us) // 2)
    wide = quietest_point_us(signal.energy_db, floor, max(floor + 10_000, ceiling))
    return wide if _energy_at(signal, wide) <= quiet else narrow
