"""Smart render: GOP stream copy + edge re-encode must equal the full re-encode frame for frame."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import pytest
from mediacheck import decoded_audio, decoded_frame_count, psnr
from render_sources import Sources, run

from roughy.engine.probe import probe
from roughy.engine.render import OutputSpec, render
from roughy.engine.render.plan import Segment, plan_render
from roughy.engine.render.smart import KeyframeIndex, Piece, plan_pieces, read_keyframe_index
from roughy.engine.render.spec import as_preset
from roughy.engine.types import CutDocument, Span

Out = Callable[[str], Path]
CUT = (Span(100_000, 1_900_000), Span(2_300_000, 4_100_000), Span(4_500_000, 6_000_000))


def cut_of(*spans: Span) -> CutDocument:
    return CutDocument(source_duration_us=6_000_000, kept=spans, removed=(), words=(), language="")


def frame_pts_steps(path: Path) -> set[int]:
    with av.open(str(path)) as container:
        pts = [f.pts for f in container.decode(container.streams.video[0])]
    return {b - a for a, b in zip(pts, pts[1:], strict=False)}


def seg(a: int, b: int) -> Segment:
    return Segment(a, b, None, None, fade_in=True, fade_out=True)


def test_pieces_copy_whole_gops_and_encode_edges() -> None:
    index = KeyframeIndex(keyframes=(0, 12, 24, 36, 48), frame_total=60, reorder_delay=2)
    # [3, 40): the tail after keyframe 36 would be 4 frames, so it starts at 24.
    assert plan_pieces((seg(3, 40), seg(50, 60)), index) == (
        Piece(3, 12, False, 0),
        Piece(12, 24, True, 12),
        Piece(24, 40, False, 24),
        Piece(50, 60, False, 48),
    )
    # Edges shorter than MIN_EDGE_FRAMES take a whole GOP more instead.
    assert plan_pieces((seg(10, 50), seg(0, 60)), index) == (
        Piece(10, 24, False, 0),
        Piece(24, 36, True, 24),
        Piece(36, 50, False, 36),
        Piece(0, 60, True, 0),
    )


@pytest.mark.parametrize("fmt", ["mp4", "mov"])
def test_smart_render_matches_full_reencode(
    sources: Sources, ffmpeg_bin: Path, out: Out, fmt: str
) -> None:
    spec = OutputSpec(fmt)  # type: ignore[arg-type]
    smart = render(
        sources.gop_source, cut_of(*CUT), spec, out(f"smart.{fmt}"), ffmpeg=ffmpeg_bin, smart=True
    )
    full = render(
        sources.gop_source, cut_of(*CUT), spec, out(f"full.{fmt}"), ffmpeg=ffmpeg_bin, smart=False
    )
    assert smart.used_smart_render and not full.used_smart_render
    assert smart.frame_count == full.frame_count == 45 + 45 + 37
    assert decoded_frame_count(smart.path) == full.frame_count
    assert len(frame_pts_steps(smart.path)) == 1  # constant frame rate, no gaps or repeats
    # Testsrc2 moves every frame: a single frame of misalignment scores far below 30 dB.
    assert psnr(ffmpeg_bin, smart.path, full.path) > 35
    samples, rate = decoded_audio(smart.path)
    assert abs(len(samples) / rate - smart.frame_count / 25) <= 1 / 25
    assert probe(smart.path).video.profile == probe(sources.gop_source).video.profile  # type: ignore[union-attr]


def test_long_gop_source_falls_back_to_full_reencode(
    sources: Sources, ffmpeg_bin: Path, out: Out
) -> None:
    result = render(
        sources.long_gop,
        cut_of(*CUT),
        OutputSpec("mp4"),
        out("long.mp4"),
        ffmpeg=ffmpeg_bin,
        smart=True,
    )
    assert not result.used_smart_render
    assert result.frame_count == decoded_frame_count(result.path) == 127


@pytest.mark.parametrize(
    "spec", [OutputSpec("mp4", video_bitrate=5), OutputSpec("m4a")], ids=["bitrate", "audio"]
)
def test_smart_render_not_used_when_output_differs(
    sources: Sources, ffmpeg_bin: Path, out: Out, spec: OutputSpec
) -> None:
    result = render(
        sources.gop_source,
        cut_of(*CUT),
        spec,
        out(f"x.{spec.format}"),
        ffmpeg=ffmpeg_bin,
        smart=True,
    )
    assert not result.used_smart_render


def test_smart_render_ineligible_reasons(sources: Sources, ffmpeg_bin: Path, out: Out) -> None:
    from roughy.engine.render.smart import ineligible_reason

    for source, reason in ((sources.rotated, "source is rotated"), (sources.vfr, "source is VFR")):
        info = probe(source)
        plan = plan_render(
            info, None, OutputSpec("mp4"), ffmpeg=ffmpeg_bin, output_path=out("x.mp4")
        )
        assert ineligible_reason(info, as_preset(OutputSpec("mp4")), plan) == reason


def test_failed_smart_step_falls_back_to_full_reencode(
    sources: Sources, ffmpeg_bin: Path, out: Out, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roughy.engine.render import smart

    monkeypatch.setattr(smart, "concat_listing", lambda *args: "not an ffconcat script\n")
    result = render(
        sources.gop_source,
        cut_of(*CUT),
        OutputSpec("mp4"),
        out("fb.mp4"),
        ffmpeg=ffmpeg_bin,
        smart=True,
    )
    assert not result.used_smart_render
    assert result.frame_count == decoded_frame_count(result.path) == 127


def test_open_gop_source_is_not_smart_rendered(
    sources: Sources, ffmpeg_bin: Path, out: Out, tmp_path: Path
) -> None:
    """Open-GOP recovery points are sync samples but not IDR pictures: frames after them may
    reference the previous GOP, so copying from them would not be exact."""
    open_gop = tmp_path / "open_gop.mp4"
    run(
        "-i", str(sources.gop_source), "-c:v", "libx264", "-preset", "veryfast",
        "-x264-params", "keyint=12:min-keyint=12:scenecut=0:open-gop=1:bframes=3",
        "-pix_fmt", "yuv420p", "-c:a", "copy", str(open_gop),
    )  # fmt: skip
    assert read_keyframe_index(open_gop, 0) is None
    assert read_keyframe_index(sources.gop_source, 0) is not None

    result = render(open_gop, cut_of(*CUT), OutputSpec("mp4"), out("open.mp4"), ffmpeg=ffmpeg_bin)
    assert not result.used_smart_render
    assert result.frame_count == decoded_frame_count(result.path) == 45 + 45 + 37
