"""Smart render: runs of stream-copied frames + re-encoded edges must equal the full re-encode
frame for frame, on constant-rate and variable-rate sources; otherwise the full path runs and
says why."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from mediacheck import decoded_audio, decoded_frame_count, min_frame_psnr
from render_sources import Sources, run

from roughy.engine.ffmpeg import run_ffmpeg
from roughy.engine.probe import probe
from roughy.engine.render import OutputSpec, render, smart_audio, split_tree
from roughy.engine.render.edges import MIN_EDGE_FRAMES, batch_edges, batch_paths, batch_step
from roughy.engine.render.frames import RunFinder, read_frame_table
from roughy.engine.render.plan import plan_render
from roughy.engine.render.smart import ineligible_reason, plan_pieces, read_table
from roughy.engine.render.spec import as_preset
from roughy.engine.types import CutDocument, Span

Out = Callable[[str], Path]
CUT = (Span(100_000, 1_900_000), Span(2_300_000, 4_100_000), Span(4_500_000, 6_000_000))
VFR_CUT = (Span(400_000, 2_900_000), Span(3_100_000, 5_300_000), Span(5_600_000, 7_900_000))


def cut_of(*spans: Span, duration_us: int = 6_000_000) -> CutDocument:
    return CutDocument(
        source_duration_us=duration_us, kept=spans, removed=(), words=(), language=""
    )


def frame_pts_steps(path: Path) -> set[int]:
    with av.open(str(path)) as container:
        pts = [f.pts for f in container.decode(container.streams.video[0])]
    return {b - a for a, b in zip(pts, pts[1:], strict=False)}


def smart_and_full(source: Path, cut: CutDocument, out: Out, ffmpeg: Path, fmt: str = "mp4"):  # type: ignore[no-untyped-def]
    spec = OutputSpec(fmt)  # type: ignore[arg-type]
    smart = render(source, cut, spec, out(f"smart.{fmt}"), ffmpeg=ffmpeg, smart=True)
    full = render(source, cut, spec, out(f"full.{fmt}"), ffmpeg=ffmpeg, smart=False)
    return smart, full


def test_pieces_tile_the_kept_frames_and_copies_start_at_idr_pictures(
    sources: Sources, ffmpeg_bin: Path, out: Out
) -> None:
    info = probe(sources.gop_source)
    plan = plan_render(
        info, cut_of(*CUT), OutputSpec("mp4"), ffmpeg=ffmpeg_bin, output_path=out("x.mp4")
    )
    table = read_table(info, plan)
    assert table is not None
    assert list(np.flatnonzero(table.starts[:-1])) == list(range(0, 150, 12))
    pieces = plan_pieces(plan.segments, RunFinder(table, MIN_EDGE_FRAMES))
    covered = [f for p in pieces for f in range(p.start, p.end)]
    kept = [f for s in plan.segments for f in range(s.frame_start or 0, s.frame_end or 0)]
    assert covered == kept
    assert all(p.source_start % 12 == 0 for p in pieces if p.copy)
    assert all(p.count >= MIN_EDGE_FRAMES for p in pieces if not p.copy)
    assert sum(p.count for p in pieces if p.copy) >= 60


@pytest.mark.parametrize("fmt", ["mp4", "mov"])
def test_smart_render_matches_full_reencode(
    sources: Sources, ffmpeg_bin: Path, out: Out, fmt: str
) -> None:
    smart, full = smart_and_full(sources.gop_source, cut_of(*CUT), out, ffmpeg_bin, fmt)
    assert (smart.render_path, smart.fallback_reason) == ("smart", None)
    assert (full.render_path, full.fallback_reason) == ("full", "smart render not requested")
    assert smart.frame_count == full.frame_count == 45 + 45 + 37
    assert decoded_frame_count(smart.path) == full.frame_count
    assert len(frame_pts_steps(smart.path)) == 1  # constant frame rate, no gaps or repeats
    assert min_frame_psnr(ffmpeg_bin, smart.path, full.path) > 35
    samples, rate = decoded_audio(smart.path)
    assert abs(len(samples) / rate - smart.frame_count / 25) <= 1 / 25
    assert probe(smart.path).video.profile == probe(sources.gop_source).video.profile  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["joined", "jittered"])
def test_variable_frame_rate_sources_are_smart_rendered_frame_exact(
    sources: Sources, ffmpeg_bin: Path, out: Out, name: str
) -> None:
    source = getattr(sources, name)
    info = probe(source)
    assert info.video is not None and info.video.is_vfr
    smart, full = smart_and_full(
        source, cut_of(*VFR_CUT, duration_us=info.duration_us), out, ffmpeg_bin
    )
    assert (smart.render_path, smart.fallback_reason) == ("smart", None)
    assert smart.frame_count == full.frame_count == decoded_frame_count(smart.path)
    rendered = probe(smart.path).video
    assert rendered is not None and not rendered.is_vfr
    assert rendered.avg_frame_rate == info.video.frame_rate
    assert min_frame_psnr(ffmpeg_bin, smart.path, full.path) > 35
    drift = probe(smart.path)
    assert drift.audio is not None and rendered.duration_us is not None
    assert abs(rendered.duration_us - (drift.audio.duration_us or 0)) <= 1e6 / Fraction(
        info.video.frame_rate or 1
    )


def test_long_gop_source_falls_back_to_full_reencode(
    sources: Sources, ffmpeg_bin: Path, out: Out
) -> None:
    result = render(
        sources.long_gop, cut_of(*CUT), OutputSpec("mp4"), out("long.mp4"), ffmpeg=ffmpeg_bin
    )
    assert (result.render_path, result.fallback_reason) == (
        "full",
        "no stretch of whole GOPs on the output frame grid",
    )
    assert result.frame_count == decoded_frame_count(result.path) == 127


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (OutputSpec("mp4", video_bitrate=5), "video bitrate requested"),
        (OutputSpec("m4a"), "audio-only output"),
    ],
    ids=["bitrate", "audio"],
)
def test_smart_render_not_used_when_output_differs(
    sources: Sources, ffmpeg_bin: Path, out: Out, spec: OutputSpec, reason: str
) -> None:
    result = render(
        sources.gop_source, cut_of(*CUT), spec, out(f"x.{spec.format}"), ffmpeg=ffmpeg_bin
    )
    assert (result.render_path, result.fallback_reason) == ("full", reason)


def test_rotated_source_is_ineligible(sources: Sources, ffmpeg_bin: Path, out: Out) -> None:
    info = probe(sources.rotated)
    plan = plan_render(info, None, OutputSpec("mp4"), ffmpeg=ffmpeg_bin, output_path=out("x.mp4"))
    assert ineligible_reason(info, as_preset(OutputSpec("mp4")), plan) == "source is rotated"


def test_failed_smart_step_falls_back_to_full_reencode(
    sources: Sources, ffmpeg_bin: Path, out: Out, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roughy.engine.render import smart

    monkeypatch.setattr(smart, "concat_listing", lambda *args: "not an ffconcat script\n")
    result = render(
        sources.gop_source, cut_of(*CUT), OutputSpec("mp4"), out("fb.mp4"), ffmpeg=ffmpeg_bin
    )
    assert (result.render_path, result.fallback_reason) == (
        "full",
        "an ffmpeg step of the smart render failed",
    )
    assert result.frame_count == decoded_frame_count(result.path) == 127


def test_open_gop_source_is_copied_only_from_an_idr(
    sources: Sources, ffmpeg_bin: Path, out: Out, tmp_path: Path
) -> None:
    """Open-GOP recovery points are sync samples but not IDR pictures: frames after them may
    reference the previous GOP, so decoding (and copying) never starts there."""
    open_gop = tmp_path / "open_gop.mp4"
    run(
        "-i", str(sources.gop_source), "-c:v", "libx264", "-preset", "veryfast",
        "-x264-params", "keyint=12:min-keyint=12:scenecut=0:open-gop=1:bframes=3",
        "-pix_fmt", "yuv420p", "-c:a", "copy", str(open_gop),
    )  # fmt: skip
    table = read_frame_table(open_gop, 0, Fraction(25), uses_fps=False, fps_from_zero=False)
    assert table is not None and list(np.flatnonzero(table.starts)) == [0]

    result = render(open_gop, cut_of(*CUT), OutputSpec("mp4"), out("open.mp4"), ffmpeg=ffmpeg_bin)
    assert (result.render_path, result.fallback_reason) == (
        "full",
        "no stretch of whole GOPs on the output frame grid",
    )
    assert result.frame_count == decoded_frame_count(result.path) == 45 + 45 + 37


def test_many_kept_pieces_render_as_with_one_split(
    sources: Sources, ffmpeg_bin: Path, out: Out, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above SPLIT_FANOUT pieces the graph splits in groups; the frames and samples are those of
    a single split into every piece."""
    spans = tuple(Span(i * 120_000, i * 120_000 + 80_000) for i in range(45))
    cut = cut_of(*spans)
    plan = plan_render(
        probe(sources.gop_source), cut, OutputSpec("mp4"), ffmpeg=ffmpeg_bin, output_path=out("p")
    )
    assert len(plan.segments) > split_tree.SPLIT_FANOUT  # two groups
    grouped = render(
        sources.gop_source,
        cut,
        OutputSpec("mp4"),
        out("grouped.mp4"),
        ffmpeg=ffmpeg_bin,
        smart=False,
    )
    monkeypatch.setattr(split_tree, "SPLIT_FANOUT", 10_000)
    single = render(
        sources.gop_source,
        cut,
        OutputSpec("mp4"),
        out("single.mp4"),
        ffmpeg=ffmpeg_bin,
        smart=False,
    )
    assert grouped.frame_count == single.frame_count == plan.frame_count
    assert decoded_frame_count(grouped.path) == plan.frame_count
    assert min_frame_psnr(ffmpeg_bin, grouped.path, single.path) > 45  # the same source frames
    grouped_audio, rate = decoded_audio(grouped.path)
    single_audio, _ = decoded_audio(single.path)
    assert np.array_equal(grouped_audio, single_audio)
    assert abs(len(grouped_audio) / rate - grouped.frame_count / 25) <= 1 / 25


def test_a_batch_of_edges_writes_each_edge_to_its_own_idr_started_file(
    sources: Sources, ffmpeg_bin: Path, out: Out, tmp_path: Path
) -> None:
    """Neighbouring edges share one ffmpeg process; each comes out as its own file, starting at
    an IDR picture with the source's reorder delay, holding exactly its frames."""
    info = probe(sources.gop_source)
    plan = plan_render(
        info, cut_of(*CUT), OutputSpec("mp4"), ffmpeg=ffmpeg_bin, output_path=out("x.mp4")
    )
    table = read_table(info, plan)
    assert table is not None and info.video is not None and plan.frame_rate is not None
    pieces = plan_pieces(plan.segments, RunFinder(table, MIN_EDGE_FRAMES))
    batches = batch_edges(pieces, table)
    assert [i for b in batches for i in b] == [i for i, p in enumerate(pieces) if not p.copy]
    batch = max(batches, key=len)
    assert len(batch) > 1
    edges = [pieces[i] for i in batch]
    run_ffmpeg(list(batch_step(ffmpeg_bin, info, info.video, table, edges, tmp_path, 0).argv))
    for edge, path in zip(edges, batch_paths(tmp_path, 0, len(edges)), strict=True):
        piece = read_frame_table(path, 0, plan.frame_rate, uses_fps=False, fps_from_zero=False)
        assert piece is not None
        assert (piece.count, bool(piece.starts[0])) == (edge.count, True)
        assert piece.reorder_delay == table.reorder_delay


def test_smart_audio_rendered_in_groups_is_the_full_reencodes_audio(
    sources: Sources, ffmpeg_bin: Path, out: Out, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(smart_audio, "AUDIO_GROUP_SPANS", 1)  # a PCM group per kept span
    smart, full = smart_and_full(sources.gop_source, cut_of(*CUT), out, ffmpeg_bin)
    assert smart.render_path == "smart"
    smart_samples, _ = decoded_audio(smart.path)
    full_samples, _ = decoded_audio(full.path)
    assert np.array_equal(smart_samples, full_samples)
