"""Pure planning of a full re-encode: source facts + cut + output options -> ffmpeg argv.

Video is forced to constant frame rate at the source's nominal rate, cut on the frame grid with
`trim` (frame indices) and joined with `concat` in one filter graph; audio is cut with `atrim` on
sample indices derived from the same frame boundaries, so every segment's audio is exactly as long
as its video (to one sample) and A/V stays in sync however many segments there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from roughy.engine.errors import EmptyCut, NoAudioStream, VideoOutputFromAudio
from roughy.engine.probe import AudioInfo, MediaInfo, VideoInfo
from roughy.engine.render.encoder import x264_setting
from roughy.engine.render.spec import TIER_SHORT_EDGE, OutputSpec, PresetSpec, as_preset
from roughy.engine.render.split_tree import leaf_ranges, split_tree
from roughy.engine.timebase import (
    FrameSpan,
    frame_count,
    frames_to_samples,
    merge_spans,
    samples_to_us,
    snap_spans,
    us_to_samples,
)
from roughy.engine.types import CutDocument, Span

DEFAULT_VIDEO_KBPS = {720: 5_000, 1080: 10_000, 2160: 20_000}
DEFAULT_AUDIO_KBPS = 192
MIN_AUDIO_KBPS = 32
GOP_SECONDS = 2
MP3_RATES = frozenset({8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000})
LOSSLESS_AUDIO = ("pcm", "flac", "alac", "wavpack", "ape", "tta", "truehd", "mlp")


@dataclass(frozen=True)
class Segment:
    """One kept piece: frames [frame_start, frame_end) and/or samples [sample_start, sample_end)."""

    frame_start: int | None
    frame_end: int | None
    sample_start: int | None
    sample_end: int | None
    fade_in: bool
    fade_out: bool


@dataclass(frozen=True)
class Geometry:
    width: int
    height: int
    filters: tuple[str, ...]
    autorotate: bool


@dataclass(frozen=True)
class FfmpegStep:
    argv: tuple[str, ...]
    output_duration_us: int
    weight: float
    """Relative cost, used to turn per-step progress into one overall fraction."""


@dataclass(frozen=True)
class RenderPlan:
    format: str
    segments: tuple[Segment, ...]
    steps: tuple[FfmpegStep, ...]
    output_path: Path
    duration_us: int
    frame_rate: Fraction | None
    frame_count: int | None
    source_frame_total: int | None
    width: int | None
    height: int | None
    video_kbps: int | None
    audio_kbps: int | None
    sample_rate: int | None
    fade_ms: int = 5


def build_segments(
    info: MediaInfo, cut: CutDocument | None, *, video: bool
) -> tuple[tuple[Segment, ...], Fraction | None, int]:
    """Kept segments on the frame grid (video output) or the sample grid (audio output)."""
    spans = cut.kept if cut is not None else (Span(0, info.duration_us),)
    rate = info.video.frame_rate if (video and info.video) else None
    sample_rate = output_sample_rate(info.audio, None) if info.audio else None
    if rate is not None:
        total = source_frames(info, rate)
        frames = snap_spans(spans, rate, total)
        segs = tuple(
            _frame_segment(f, i, len(frames), total, rate, sample_rate)
            for i, f in enumerate(frames)
        )
        return segs, rate, total
    assert sample_rate is not None
    total_samples = us_to_samples(info.duration_us, sample_rate)
    merged = merge_spans(spans, info.duration_us)
    segs = tuple(
        _sample_segment(s, i, len(merged), total_samples, sample_rate) for i, s in enumerate(merged)
    )
    return segs, None, total_samples


def source_frames(info: MediaInfo, rate: Fraction) -> int:
    video = info.video
    assert video is not None
    if video.frame_count and not needs_fps_filter(video):
        return video.frame_count  # the container's sample count is exact for CFR
    duration = video.duration_us or info.duration_us
    return max(1, frame_count(duration, rate))


def _frame_segment(
    span: FrameSpan, index: int, count: int, total: int, rate: Fraction, sample_rate: int | None
) -> Segment:
    samples = (
        (
            frames_to_samples(span.start, rate, sample_rate),
            frames_to_samples(span.end, rate, sample_rate),
        )
        if sample_rate
        else (None, None)
    )
    return Segment(
        span.start,
        span.end,
        samples[0],
        samples[1],
        fade_in=span.start > 0,
        fade_out=span.end < total,
    )


def _sample_segment(span: Span, index: int, count: int, total: int, sample_rate: int) -> Segment:
    start = us_to_samples(span.start_us, sample_rate)
    end = min(total, us_to_samples(span.end_us, sample_rate))
    return Segment(None, None, start, end, fade_in=start > 0, fade_out=end < total)


def output_sample_rate(audio: AudioInfo | None, fmt: str | None) -> int | None:
    if audio is None:
        return None
    if fmt == "mp3" and audio.sample_rate not in MP3_RATES:
        return 48000 if audio.sample_rate > 48000 else 44100
    if audio.sample_rate > 96000:
        return 48000
    return audio.sample_rate


def needs_fps_filter(video: VideoInfo) -> bool:
    """CFR sources starting at zero are already on the grid; `fps` would only cost time."""
    return video.is_vfr or video.start_us > 0 or video.avg_frame_rate is None


def plan_geometry(video: VideoInfo, preset: PresetSpec) -> Geometry:
    """Output size: tier on the shorter edge, aspect kept, even, never upscaled; or canvas crop.

    Rotation is baked into the pixels (ffmpeg autorotate): through split/trim/concat ffmpeg only
    keeps the display matrix when the first decoded frame is the first output frame, and upright
    pixels display the same in every player.
    """
    if preset.canvas is not None:
        return _canvas_geometry(video, preset.canvas)
    bake = video.rotation != 0
    target = TIER_SHORT_EDGE.get(preset.output.resolution or "", 0)
    w, h = (video.display_width, video.display_height) if bake else (video.width, video.height)
    source_size = (w, h)
    short = min(w, h)
    if target and short > target:
        scale = Fraction(target, short)
        w, h = (_even(w * scale), target) if w >= h else (target, _even(h * scale))
    w, h = _even(w), _even(h)
    filters = [] if (w, h) == source_size else [f"scale={w}:{h}:flags=bicubic"]
    return Geometry(w, h, tuple(filters), autorotate=bake)


def _canvas_geometry(video: VideoInfo, canvas: tuple[int, int]) -> Geometry:
    # Cropping happens in display orientation, so rotation is baked into the pixels here.
    cw, ch = canvas
    dw, dh = video.display_width, video.display_height
    if dw * ch > dh * cw:
        crop_w, crop_h = _even(Fraction(dh * cw, ch)), _even(dh)
    else:
        crop_w, crop_h = _even(dw), _even(Fraction(dw * ch, cw))
    out_w, out_h = (crop_w, crop_h) if crop_w <= cw else (cw, ch)
    filters = [f"crop={crop_w}:{crop_h}"]
    if (out_w, out_h) != (crop_w, crop_h):
        filters.append(f"scale={out_w}:{out_h}:flags=bicubic")
    return Geometry(out_w, out_h, tuple(filters), autorotate=True)


def _even(value: Fraction | int) -> int:
    return max(2, int(round(Fraction(value) / 2)) * 2)


def video_kbps(
    video: VideoInfo, spec: OutputSpec, geometry: Geometry, container_kbps: int | None
) -> int:
    short = min(geometry.width, geometry.height)
    if spec.video_bitrate is not None:
        wanted = spec.video_bitrate * 1000
    else:
        wanted = next(
            (v for edge, v in sorted(DEFAULT_VIDEO_KBPS.items()) if short <= edge),
            DEFAULT_VIDEO_KBPS[2160],
        )
    source = video.bit_rate // 1000 if video.bit_rate else container_kbps
    return max(100, min(wanted, source)) if source else wanted


def audio_kbps(audio: AudioInfo, spec: OutputSpec) -> int:
    wanted = spec.audio_bitrate or DEFAULT_AUDIO_KBPS
    lossless = audio.codec.startswith(LOSSLESS_AUDIO)
    if audio.bit_rate and not lossless:
        return max(MIN_AUDIO_KBPS, min(wanted, audio.bit_rate // 1000))
    return wanted


def plan_render(
    info: MediaInfo,
    cut: CutDocument | None,
    output: OutputSpec | PresetSpec,
    *,
    ffmpeg: Path,
    output_path: Path,
) -> RenderPlan:
    """Plan a frame-exact single-pass re-encode of the kept spans of `info` into `output_path`."""
    preset = as_preset(output)
    spec = preset.output
    if spec.is_video and info.video is None:
        raise VideoOutputFromAudio(
            f"{spec.format} output needs a video stream; the source is audio-only"
        )
    if not spec.is_video and info.audio is None:
        raise NoAudioStream(f"{spec.format} output needs an audio stream")
    segments, rate, total = build_segments(info, cut, video=spec.is_video)
    if not segments:
        raise EmptyCut("the cut keeps nothing of the source")
    sample_rate = output_sample_rate(info.audio, spec.format)
    geometry = plan_geometry(info.video, preset) if (spec.is_video and info.video) else None
    frames = (
        sum(
            s.frame_end - s.frame_start
            for s in segments
            if s.frame_end is not None and s.frame_start is not None
        )
        if rate
        else None
    )
    duration_us = _planned_duration_us(segments, rate, frames, sample_rate)
    v_kbps = (
        video_kbps(info.video, spec, geometry, info.bit_rate // 1000 if info.bit_rate else None)
        if (geometry and info.video)
        else None
    )
    a_kbps = audio_kbps(info.audio, spec) if info.audio else None
    argv = _full_argv(
        ffmpeg, info, segments, spec, geometry, rate, sample_rate, v_kbps, a_kbps, output_path
    )
    step = FfmpegStep(tuple(argv), duration_us, weight=1.0)
    return RenderPlan(
        format=spec.format,
        segments=segments,
        steps=(step,),
        output_path=output_path,
        duration_us=duration_us,
        frame_rate=rate,
        frame_count=frames,
        source_frame_total=total if rate else None,
        width=geometry.width if geometry else None,
        height=geometry.height if geometry else None,
        video_kbps=v_kbps,
        audio_kbps=a_kbps,
        sample_rate=sample_rate,
        fade_ms=spec.fade_ms,
    )


def _planned_duration_us(
    segments: tuple[Segment, ...],
    rate: Fraction | None,
    frames: int | None,
    sample_rate: int | None,
) -> int:
    if rate is not None and frames is not None:
        return round(Fraction(frames * 1_000_000) / rate)
    assert sample_rate is not None
    samples = sum((s.sample_end or 0) - (s.sample_start or 0) for s in segments)
    return samples_to_us(samples, sample_rate)


def _full_argv(
    ffmpeg: Path,
    info: MediaInfo,
    segments: tuple[Segment, ...],
    spec: OutputSpec,
    geometry: Geometry | None,
    rate: Fraction | None,
    sample_rate: int | None,
    v_kbps: int | None,
    a_kbps: int | None,
    output_path: Path,
) -> list[str]:
    with_video = geometry is not None and rate is not None
    with_audio = info.audio is not None and sample_rate is not None
    graph = filter_graph(
        segments,
        rate=rate if with_video else None,
        video_filters=geometry.filters if geometry else (),
        fps_filter=bool(info.video and needs_fps_filter(info.video)),
        late_video=bool(info.video and info.video.start_us > 0),
        sample_rate=sample_rate if with_audio else None,
        fade_ms=spec.fade_ms,
        total_samples=(
            frames_to_samples(max(s.frame_end or 0 for s in segments), rate, sample_rate)
            if (with_video and with_audio and rate and sample_rate)
            else None
        ),
    )
    argv = [str(ffmpeg), "-y", "-loglevel", "error"]
    if geometry is not None and not geometry.autorotate:
        argv.append("-noautorotate")
    argv += ["-i", str(info.path), "-filter_complex", graph, "-map_chapters", "-1"]
    if with_video:
        argv += ["-map", "[vout]"]
        assert info.video is not None and v_kbps is not None and rate is not None
        assert geometry is not None
        argv += video_codec_args(info.video, v_kbps, rate, min(geometry.width, geometry.height))
    else:
        argv += ["-vn"]
    if with_audio:
        argv += ["-map", "[aout]"]
        assert a_kbps is not None
        argv += audio_codec_args(spec.format, a_kbps, info.audio)
    argv += container_args(spec.format)
    argv.append(str(output_path))
    return argv


def video_codec_args(video: VideoInfo, kbps: int, rate: Fraction, short_edge: int) -> list[str]:
    args = [
        *x264_setting(short_edge).args(),
        "-maxrate",
        f"{kbps}k",
        "-bufsize",
        f"{2 * kbps}k",
        "-pix_fmt",
        "yuv420p",
        "-profile:v",
        "high",
        "-g",
        str(max(1, round(rate * GOP_SECONDS))),
        "-fps_mode",
        "passthrough",
    ]
    return args + color_args(video)


def color_args(video: VideoInfo) -> list[str]:
    """The source's colour description, passed on to the encoder (what it names)."""
    args: list[str] = []
    for option, value in (
        ("-color_primaries", video.color_primaries),
        ("-color_trc", video.color_trc),
        ("-colorspace", video.colorspace),
        ("-color_range", video.color_range),
    ):
        if value:
            args += [option, value]
    return args


def audio_codec_args(fmt: str, kbps: int, audio: AudioInfo | None) -> list[str]:
    if fmt == "mp3":
        args = ["-c:a", "libmp3lame", "-b:a", f"{kbps}k"]
        if audio is not None and audio.channels > 2:
            args += ["-ac", "2"]
        return args
    return ["-c:a", "aac", "-b:a", f"{kbps}k"]


def container_args(fmt: str) -> list[str]:
    return {
        "mp4": ["-f", "mp4", "-movflags", "+faststart"],
        "mov": ["-f", "mov"],
        "m4a": ["-f", "ipod", "-movflags", "+faststart"],
        "mp3": ["-f", "mp3"],
    }[fmt]


def filter_graph(
    segments: tuple[Segment, ...],
    *,
    rate: Fraction | None,
    video_filters: tuple[str, ...],
    fps_filter: bool = True,
    late_video: bool = False,
    sample_rate: int | None,
    fade_ms: int,
    total_samples: int | None,
    audio_input: str = "0:a:0",
) -> str:
    """One filter_complex: split the source, trim/atrim each kept piece, fade joins, concat."""
    n = len(segments)
    parts: list[str] = []
    if rate is not None:
        # start_time=0 pads a late-starting video with its first frame, keeping the grid on the
        # source timeline; it also drops the display matrix, so it is only used when needed.
        start = ":start_time=0" if late_video else ""
        fps = f"fps=fps={rate}{start}," if fps_filter else ""
        frames = [(s.frame_start or 0, s.frame_end or 0) for s in segments]
        parts += split_tree(f"[0:v:0]{fps}", "v", frames, "trim", "frame", "setpts")
        for i, (first, end) in enumerate(leaf_ranges(frames)):
            parts.append(
                f"[v{i}]trim=start_frame={first}:end_frame={end},setpts=PTS-STARTPTS[sv{i}]"
            )
    if sample_rate is not None:
        pad = f",apad=whole_len={total_samples}" if total_samples else ""
        source = f"[{audio_input}]aresample={sample_rate}:async=1:first_pts=0{pad},"
        samples = [(s.sample_start or 0, s.sample_end or 0) for s in segments]
        parts += split_tree(source, "a", samples, "atrim", "sample", "asetpts")
        fade = round(sample_rate * fade_ms / 1000)
        for i, (seg, (first, end)) in enumerate(zip(segments, leaf_ranges(samples), strict=True)):
            chain = _audio_segment_chain(first, end, seg.fade_in, seg.fade_out, fade)
            parts.append(f"[a{i}]{chain}[sa{i}]")
    pairs = "".join(
        ("" if rate is None else f"[sv{i}]") + ("" if sample_rate is None else f"[sa{i}]")
        for i in range(n)
    )
    v = 1 if rate is not None else 0
    a = 1 if sample_rate is not None else 0
    labels = ("[vcat]" if v else "") + ("[acat]" if a else "")
    parts.append(f"{pairs}concat=n={n}:v={v}:a={a}{labels}")
    if v:
        chain = ",".join((*video_filters, "setsar=1")) if video_filters else "null"
        parts.append(f"[vcat]{chain}[vout]")
    if a:
        parts.append("[acat]anull[aout]")
    return ";".join(parts)


def _audio_segment_chain(
    start_sample: int, end_sample: int, fade_in: bool, fade_out: bool, fade: int
) -> str:
    length = end_sample - start_sample
    chain = [
        f"atrim=start_sample={start_sample}:end_sample={end_sample}",
        "asetpts=PTS-STARTPTS",
    ]
    fade = min(fade, length // 2)
    if fade > 0 and fade_in:
        chain.append(f"afade=t=in:ss=0:ns={fade}")
    if fade > 0 and fade_out:
        chain.append(f"afade=t=out:ss={length - fade}:ns={fade}")
    return ",".join(chain)
