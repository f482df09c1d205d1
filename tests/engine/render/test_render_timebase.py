from fractions import Fraction

from roughy.engine.timebase import (
    FrameSpan,
    frame_floor,
    frame_to_us,
    frames_to_samples,
    nearest_boundary,
    nominal_rate,
    snap_spans,
)
from roughy.engine.types import Span

NTSC = Fraction(30000, 1001)


def test_frame_grid_round_trips_at_ntsc_rate() -> None:
    for index in (0, 1, 29, 30, 1799, 107892):
        assert nearest_boundary(frame_to_us(index, NTSC), NTSC) == index
        assert frame_floor(frame_to_us(index, NTSC), NTSC) == index


def test_samples_follow_frame_boundaries_without_drift() -> None:
    # One hour of 29.97 fps at 48 kHz: exactly 1601.6 samples per frame, no accumulated error.
    frames = 107892
    assert frames_to_samples(frames, NTSC, 48000) == round(Fraction(frames * 48000) / NTSC)
    assert frames_to_samples(5, NTSC, 48000) == 8008


def test_snap_spans_merges_sorts_clamps_and_drops_empty() -> None:
    rate = Fraction(25)
    spans = (
        Span(2_000_000, 3_000_000),
        Span(0, 1_010_000),
        Span(990_000, 1_500_000),
        Span(5_000_000, 5_010_000),
        Span(3_900_000, 9_000_000),
    )
    assert snap_spans(spans, rate, total_frames=100) == (
        FrameSpan(0, 38),
        FrameSpan(50, 75),
        FrameSpan(98, 100),
    )


def test_nominal_rate_for_vfr_phone_footage() -> None:
    assert nominal_rate(Fraction(2987, 100), Fraction(30)) == 30
    assert nominal_rate(Fraction(25), Fraction(25)) == 25
    assert nominal_rate(Fraction(2397, 100), Fraction(90000)) == Fraction(24000, 1001)
