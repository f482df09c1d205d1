"""Full re-encode renders, verified by probing and decoding the output."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from mediacheck import codec_names, decoded_audio, decoded_frame_count
from render_sources import Sources

from roughy.engine.probe import probe
from roughy.engine.render import PRESETS, OutputSpec, render
from roughy.engine.render.plan import plan_render
from roughy.engine.timebase import snap_spans
from roughy.engine.types import CutDocument, EngineError, Span

Out = Callable[[str], Path]
THREE_CUTS = (Span(100_000, 900_000), Span(1_300_000, 2_100_000), Span(2_500_000, 3_950_000))


def cut_of(*spans: Span, total_us: int = 4_000_000) -> CutDocument:
    return CutDocument(source_duration_us=total_us, kept=spans, removed=(), words=(), language="")


def expected_frames(spans: tuple[Span, ...], rate: Fraction, total: int) -> int:
    return sum(s.count for s in snap_spans(spans, rate, total))


@pytest.mark.parametrize(
    ("fmt", "codecs", "format_name"),
    [
        ("mp4", ("h264", "aac"), "mov,mp4"),
        ("mov", ("h264", "aac"), "mov,mp4"),
        ("m4a", (None, "aac"), "mov,mp4"),
        ("mp3", (None, "mp3"), "mp3"),
    ],
)
def test_every_format_renders_the_kept_spans(
    sources: Sources,
    ffmpeg_bin: Path,
    out: Out,
    fmt: str,
    codecs: tuple[str | None, str | None],
    format_name: str,
) -> None:
    dest = out(f"cut.{fmt}")
    result = render(
        sources.landscape,
        cut_of(*THREE_CUTS),
        OutputSpec(fmt),
        dest,  # type: ignore[arg-type]
        ffmpeg=ffmpeg_bin,
        smart=False,
    )
    assert result.path == dest and dest.is_file()
    assert result.size_bytes == dest.stat().st_size
    assert codec_names(dest) == codecs
    info = probe(dest)
    assert info.format_name.startswith(format_name)
    frame_us = 40_000
    kept_us = sum(s.duration_us for s in THREE_CUTS)
    assert abs(info.duration_us - kept_us) <= frame_us + 30_000  # + mp3/aac frame padding
    if fmt in ("mp4", "mov"):
        frames = expected_frames(THREE_CUTS, Fraction(25), 100)
        assert result.frame_count == frames == decoded_frame_count(dest)
        assert abs(frames * frame_us - kept_us) <= len(THREE_CUTS) * frame_us


def test_full_source_when_cut_is_none(sources: Sources, ffmpeg_bin: Path, out: Out) -> None:
    result = render(
        sources.landscape, None, OutputSpec("mp4"), out("all.mp4"), ffmpeg=ffmpeg_bin, smart=False
    )
    assert result.frame_count == 100
    assert decoded_frame_count(result.path) == 100


def test_audio_stays_in_sync_with_video(sources: Sources, ffmpeg_bin: Path, out: Out) -> None:
    spans = tuple(Span(i * 190_000 + 10_000, i * 190_000 + 130_000) for i in range(20))
    result = render(
        sources.landscape,
        cut_of(*spans),
        OutputSpec("mp4"),
        out("sync.mp4"),
        ffmpeg=ffmpeg_bin,
        smart=False,
    )
    assert result.frame_count is not None
    video_s = result.frame_count / 25
    samples, rate = decoded_audio(result.path)
    assert abs(len(samples) / rate - video_s) <= 1 / 25


def _join_clicks(path: Path, joins_s: list[float]) -> list[float]:
    """Largest sample-to-sample jump near each join, relative to the tone's normal largest jump."""
    samples, rate = decoded_audio(path)
    delta = np.abs(np.diff(samples))
    normal = float(np.percentile(delta[rate // 10 : -rate // 10], 99.5))
    window = int(rate * 0.004)
    ratios = []
    for t in joins_s:
        centre = int(round(t * rate))
        ratios.append(float(delta[centre - window : centre + window].max()) / normal)
    return ratios


@pytest.mark.parametrize(("fade_ms", "clicks"), [(5, False), (0, True)])
def test_joins_are_click_free_with_fades(
    sources: Sources, ffmpeg_bin: Path, out: Out, fade_ms: int, clicks: bool
) -> None:
    # Removing 0.101 s (44.44 periods) of a 440 Hz tone jumps the phase by 0.44 of a period: a
    # click unless the join is faded.
    spans = (Span(0, 1_000_000), Span(1_101_000, 2_000_000), Span(2_101_000, 3_000_000))
    result = render(
        sources.landscape,
        cut_of(*spans),
        OutputSpec("m4a", fade_ms=fade_ms),
        out(f"tone{fade_ms}.m4a"),
        ffmpeg=ffmpeg_bin,
        smart=False,
    )
    ratios = _join_clicks(result.path, [1.0, 1.899])
    if clicks:
        assert max(ratios) > 2.0, ratios
    else:
        assert max(ratios) < 1.5, ratios


@pytest.mark.parametrize(
    ("source", "spec", "size"),
    [
        ("hd", OutputSpec("mp4", resolution="720p"), (1280, 720)),
        ("hd", OutputSpec("mp4", resolution="1080p"), (1920, 1080)),
        ("hd", OutputSpec("mov", resolution="4k"), (1920, 1080)),
        ("hd", OutputSpec("mp4"), (1920, 1080)),
        ("hd_vertical", OutputSpec("mp4", resolution="720p"), (720, 1280)),
        ("vertical", OutputSpec("mp4", resolution="720p"), (240, 320)),
        ("rotated", OutputSpec("mp4"), (240, 320)),
        ("hd", PRESETS["web_720p"], (1280, 720)),
        ("hd", PRESETS["web_1080p"], (1920, 1080)),
        ("hd", PRESETS["social_vertical_1080p"], (608, 1080)),
        ("landscape", PRESETS["social_vertical_1080p"], (136, 240)),
        ("hd_vertical", PRESETS["social_vertical_1080p"], (1080, 1920)),
    ],
)
def test_resolution_tiers_and_presets(
    sources: Sources,
    ffmpeg_bin: Path,
    out: Out,
    source: str,
    spec: object,
    size: tuple[int, int],
) -> None:
    src: Path = getattr(sources, source)
    result = render(src, None, spec, out("tier.mp4"), ffmpeg=ffmpeg_bin, smart=False)  # type: ignore[arg-type]
    assert (result.width, result.height) == size
    video = probe(result.path).video
    assert video is not None
    assert (video.display_width, video.display_height) == size
    assert video.width % 2 == 0 and video.height % 2 == 0


def test_rotation_is_baked_upright(sources: Sources, ffmpeg_bin: Path, out: Out) -> None:
    result = render(
        sources.rotated,
        cut_of(*THREE_CUTS),
        OutputSpec("mp4"),
        out("rot.mp4"),
        ffmpeg=ffmpeg_bin,
        smart=False,
    )
    video = probe(result.path).video
    assert video is not None and video.rotation == 0 and (video.width, video.height) == (240, 320)
    assert result.frame_count == decoded_frame_count(result.path)


def test_variable_frame_rate_is_rendered_at_constant_nominal_rate(
    sources: Sources, ffmpeg_bin: Path, out: Out
) -> None:
    source = probe(sources.vfr).video
    assert source is not None and source.is_vfr and source.frame_rate == 30
    spans = (Span(200_000, 1_200_000), Span(1_700_000, 2_900_000))
    result = render(
        sources.vfr,
        cut_of(*spans, total_us=3_000_000),
        OutputSpec("mp4"),
        out("vfr.mp4"),
        ffmpeg=ffmpeg_bin,
        smart=False,
    )
    video = probe(result.path).video
    assert video is not None and not video.is_vfr and video.avg_frame_rate == 30
    assert result.frame_count == decoded_frame_count(result.path) == 30 + 36
    samples, rate = decoded_audio(result.path)
    assert abs(len(samples) / rate - 66 / 30) <= 1 / 30


def test_bitrates_are_capped_to_the_source(sources: Sources, ffmpeg_bin: Path, out: Out) -> None:
    info = probe(sources.hd)
    assert info.video is not None and info.video.bit_rate and info.audio and info.audio.bit_rate
    source_kbps = info.video.bit_rate // 1000
    spec = OutputSpec("mp4", video_bitrate=50, audio_bitrate=320)
    plan = plan_render(info, None, spec, ffmpeg=ffmpeg_bin, output_path=out("x.mp4"))
    assert plan.video_kbps == source_kbps and plan.audio_kbps == info.audio.bit_rate // 1000
    result = render(sources.hd, None, spec, out("cap.mp4"), ffmpeg=ffmpeg_bin, smart=False)
    rendered = probe(result.path)
    assert rendered.video is not None and rendered.video.bit_rate is not None
    assert rendered.video.bit_rate <= source_kbps * 1000 * 1.15


def test_requested_bitrate_below_source_is_the_ceiling(
    sources: Sources, ffmpeg_bin: Path, out: Out
) -> None:
    info = probe(sources.hd)
    big = type(info.video)(**{**info.video.__dict__, "bit_rate": 80_000_000})  # type: ignore[arg-type,misc]
    fake = type(info)(**{**info.__dict__, "video": big})
    plan = plan_render(
        fake, None, OutputSpec("mp4", video_bitrate=5), ffmpeg=ffmpeg_bin, output_path=out("x.mp4")
    )
    assert plan.video_kbps == 5000
    argv = plan.steps[0].argv
    assert argv[argv.index("-maxrate") + 1] == "5000k"
    auto = plan_render(
        fake,
        None,
        OutputSpec("mp4", resolution="720p"),
        ffmpeg=ffmpeg_bin,
        output_path=out("x.mp4"),
    )
    assert auto.video_kbps == 5000 and auto.width == 1280


def test_audio_only_source_renders_audio_formats(
    sources: Sources, ffmpeg_bin: Path, out: Out
) -> None:
    spans = (Span(0, 1_000_000), Span(1_500_000, 2_500_000))
    for fmt in ("m4a", "mp3"):
        result = render(
            sources.audio_only,
            cut_of(*spans, total_us=3_000_000),
            OutputSpec(fmt),
            out(f"a.{fmt}"),
            ffmpeg=ffmpeg_bin,
        )  # type: ignore[arg-type]
        samples, rate = decoded_audio(result.path)
        assert abs(len(samples) / rate - 2.0) < 0.03
        assert result.frame_count is None and result.width is None


def test_video_output_from_audio_only_source_is_refused(
    sources: Sources, ffmpeg_bin: Path, out: Out
) -> None:
    with pytest.raises(EngineError) as err:
        render(sources.audio_only, None, OutputSpec("mp4"), out("v.mp4"), ffmpeg=ffmpeg_bin)
    assert err.value.code == "video_output_from_audio"
    assert not out("v.mp4").exists()


def test_progress_is_reported_up_to_one(sources: Sources, ffmpeg_bin: Path, out: Out) -> None:
    seen: list[float] = []
    render(
        sources.landscape,
        None,
        OutputSpec("mp4"),
        out("p.mp4"),
        ffmpeg=ffmpeg_bin,
        on_progress=seen.append,
        smart=False,
    )
    assert seen and seen[-1] == 1.0
    assert seen == sorted(seen) and all(0.0 <= f <= 1.0 for f in seen)
