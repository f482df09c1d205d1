"""Frame-grid arithmetic: microseconds <-> frame indices and sample indices, exactly.

Frame `n` of a constant-rate stream at `rate` frames/s covers [n / rate, (n + 1) / rate). Cuts are
snapped to frame boundaries and counted in frames, never in (rounded) durations, so that many
segments add up without drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from roughy.engine.types import Span

US_PER_SECOND = 1_000_000

# Rates that phones and cameras nominally record at; VFR averages are snapped to the nearest one.
STANDARD_RATES: tuple[Fraction, ...] = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
    Fraction(50),
    Fraction(60000, 1001),
    Fraction(60),
    Fraction(100),
    Fraction(120000, 1001),
    Fraction(120),
)


@dataclass(frozen=True)
class FrameSpan:
    """A half-open range of frame indices [start, end)."""

    start: int
    end: int

    @property
    def count(self) -> int:
        return self.end - self.start


def frame_floor(t_us: int, rate: Fraction) -> int:
    """Index of the frame that is on screen at `t_us`."""
    return int((Fraction(t_us) * rate) // US_PER_SECOND)


def nearest_boundary(t_us: int, rate: Fraction) -> int:
    """Index of the frame boundary nearest to `t_us` (ties go to the later boundary)."""
    return int((Fraction(t_us) * rate / US_PER_SECOND + Fraction(1, 2)) // 1)


def frame_to_us(index: int, rate: Fraction) -> int:
    """First whole microsecond inside frame `index` (so `frame_floor` maps it back to `index`)."""
    return -((-index * US_PER_SECOND * rate.denominator) // rate.numerator)


def frames_to_samples(index: int, rate: Fraction, sample_rate: int) -> int:
    """Audio sample index at the start of frame `index` (nearest sample)."""
    return round(Fraction(index * sample_rate) / rate)


def us_to_samples(t_us: int, sample_rate: int) -> int:
    return round(Fraction(t_us * sample_rate, US_PER_SECOND))


def samples_to_us(samples: int, sample_rate: int) -> int:
    return round(Fraction(samples * US_PER_SECOND, sample_rate))


def frame_count(duration_us: int, rate: Fraction) -> int:
    """Number of whole frames a stream of `duration_us` holds at `rate` (nearest)."""
    return nearest_boundary(duration_us, rate)


def snap_spans(spans: Iterable[Span], rate: Fraction, total_frames: int) -> tuple[FrameSpan, ...]:
    """Snap spans to the frame grid: sorted, clamped, empty ones dropped, touching ones merged."""
    snapped: list[FrameSpan] = []
    for span in sorted(spans, key=lambda s: (s.start_us, s.end_us)):
        start = max(0, min(total_frames, nearest_boundary(span.start_us, rate)))
        end = max(0, min(total_frames, nearest_boundary(span.end_us, rate)))
        if end <= start:
            continue
        if snapped and start <= snapped[-1].end:
            last = snapped.pop()
            snapped.append(FrameSpan(last.start, max(last.end, end)))
        else:
            snapped.append(FrameSpan(start, end))
    return tuple(snapped)


def merge_spans(spans: Iterable[Span], total_us: int) -> tuple[Span, ...]:
    """Sort, clamp to [0, total_us], drop empty spans and merge overlapping ones (no frame grid)."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start_us, s.end_us)):
        start = max(0, min(total_us, span.start_us))
        end = max(0, min(total_us, span.end_us))
        if end <= start:
            continue
        if merged and start <= merged[-1].end_us:
            last = merged.pop()
            merged.append(Span(last.start_us, max(last.end_us, end)))
        else:
            merged.append(Span(start, end))
    return tuple(merged)


def nominal_rate(avg: Fraction | None, real: Fraction | None) -> Fraction | None:
    """The constant rate to render at: the stream's own rate, or for VFR its nominal rate.

    Phones record e.g. 29.87 fps on average with a nominal (r_frame_rate) of 30; when the nominal
    rate is a standard one and the average is not far below it, the nominal rate wins; otherwise
    the standard rate nearest to the average (within 3%), otherwise the average itself.
    """
    if avg is None or avg <= 0:
        return real if real and real > 0 else None
    if real is None or real <= 0 or real == avg:
        return avg
    if real in STANDARD_RATES and real * Fraction(3, 4) <= avg <= real * Fraction(101, 100):
        return real
    nearest = min(STANDARD_RATES, key=lambda r: abs(r - avg))
    if abs(nearest - avg) / nearest <= Fraction(3, 100):
        return nearest
    return avg.limit_denominator(1001)
