"""Smart render: stream-copy whole GOPs inside kept spans, re-encode only the partial GOPs.

Each kept frame span [a, b) becomes up to three pieces: an encoded head [a, k1) from the cut to
the first keyframe, a stream-copied middle [k1, kL) of whole GOPs, and an encoded tail [kL, b).
Encoded pieces use the source's profile, level, pixel format, size, time base and B-frame delay,
and start with an IDR, so the ffconcat demuxer (which inserts each piece's parameter sets in-band)
can join them with copied GOPs. Audio is always re-encoded in one pass with the same trims and
fades as the full re-encode. The result is used only if it has exactly the planned frame count;
anything unusual (VFR, rotation, scaling, bitrate change, odd GOP structure) uses the full
re-encode instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import av
import av.error

from roughy.engine.errors import RenderInvalid
from roughy.engine.probe import MediaInfo, VideoInfo
from roughy.engine.render.execute import execute, frames_exact, probe_output
from roughy.engine.render.plan import (
    FfmpegStep,
    RenderPlan,
    Segment,
    audio_codec_args,
    container_args,
    filter_graph,
    source_frames,
)
from roughy.engine.render.spec import PresetSpec
from roughy.engine.timebase import frames_to_samples
from roughy.engine.types import CancelCheck, ProgressCallback

PROFILES = {
    "High": "high",
    "Main": "main",
    "Constrained Baseline": "baseline",
    "Baseline": "baseline",
}
# x264 settings that give the same reorder delay (frames between dts and pts) as the source.
BFRAME_ARGS: dict[int, list[str]] = {
    0: ["-bf", "0"],
    1: ["-bf", "3", "-x264-params", "b-pyramid=none"],
    2: ["-bf", "3", "-x264-params", "b-pyramid=normal"],
}
EDGE_CRF = "18"
MIN_EDGE_FRAMES = 8
MIN_COPIED_SHARE = Fraction(1, 2)
"""Below this share of stream-copied frames the extra processes and seeks do not pay off."""


@dataclass(frozen=True)
class KeyframeIndex:
    keyframes: tuple[int, ...]
    """Frame indices of sync samples (decode position; equal to display index in closed GOPs)."""
    frame_total: int
    reorder_delay: int


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    copy: bool
    seek_keyframe: int
    """For encoded pieces: the keyframe at or before `start` where decoding begins."""

    @property
    def count(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class SmartPlan:
    pieces: tuple[Piece, ...]
    steps: tuple[FfmpegStep, ...]
    piece_paths: tuple[Path | None, ...]
    concat_list: str
    list_path: Path


def ineligible_reason(info: MediaInfo, preset: PresetSpec, plan: RenderPlan) -> str | None:
    """Why the source/output pair cannot be smart-rendered (None when it can)."""
    video = info.video
    spec = preset.output
    checks = (
        (plan.format in ("mp4", "mov"), "output is not mp4/mov"),
        (info.is_mp4_family, "source container is not mp4/mov"),
        (video is not None and video.codec == "h264", "source video is not H.264"),
        (video is not None and video.pix_fmt == "yuv420p", "source pixel format is not yuv420p"),
        (video is not None and video.profile in PROFILES, "unsupported H.264 profile"),
        (video is not None and not video.is_vfr and video.start_us == 0, "source is VFR"),
        (video is not None and video.rotation == 0, "source is rotated"),
        (preset.canvas is None, "preset crops"),
        (spec.video_bitrate is None, "video bitrate requested"),
        (
            video is not None and (plan.width, plan.height) == (video.width, video.height),
            "output is scaled",
        ),
        (
            plan.frame_rate is not None and video is not None and video.level is not None,
            "unknown frame rate or level",
        ),
    )
    return next((reason for ok, reason in checks if not ok), None)


def read_keyframe_index(path: Path, stream_index: int) -> KeyframeIndex | None:
    """Keyframe positions from the container index (no decoding); None when unusable."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams[stream_index]
            entries = stream.index_entries
            if entries is None or len(entries) == 0:
                return None
            keyframes = tuple(i for i in range(len(entries)) if entries[i].is_keyframe)
            delay = _reorder_delay(container, stream)
            total = len(entries)
            length_size = _nal_length_size(stream.codec_context.extradata)
            samples = [(entries[k].pos, entries[k].size) for k in keyframes]
    except (av.error.FFmpegError, OSError):
        return None
    if not keyframes or keyframes[0] != 0 or delay is None or length_size is None:
        return None
    if not _all_idr(path, samples, length_size):
        return None
    return KeyframeIndex(keyframes, total, delay)


H264_IDR_SLICE = 5
MAX_NALS_PER_SAMPLE = 16


def _nal_length_size(extradata: bytes | None) -> int | None:
    """Bytes of each NAL length prefix, from the avcC record (None if not avcC)."""
    if not extradata or len(extradata) < 7 or extradata[0] != 1:
        return None
    return (extradata[4] & 0x03) + 1


def _all_idr(path: Path, samples: list[tuple[int, int]], length_size: int) -> bool:
    """True when every sync sample holds an IDR slice. Open-GOP recovery points are also marked
    as sync samples, but pictures after them may reference the previous GOP: copying from them
    would not be frame-exact, so such sources are not smart-rendered."""
    with path.open("rb") as handle:
        return all(_sample_has_idr(handle, pos, size, length_size) for pos, size in samples)


def _sample_has_idr(handle: BinaryIO, pos: int, size: int, length_size: int) -> bool:
    offset = 0
    for _ in range(MAX_NALS_PER_SAMPLE):
        if offset + length_size + 1 > size:
            return False
        handle.seek(pos + offset)
        header = handle.read(length_size + 1)
        if len(header) < length_size + 1:
            return False
        if header[length_size] & 0x1F == H264_IDR_SLICE:
            return True
        offset += length_size + int.from_bytes(header[:length_size], "big")
    return False


def _reorder_delay(container: Any, stream: Any) -> int | None:
    for packet in container.demux(stream):
        if packet.pts is None or packet.dts is None or not packet.duration:
            return None
        return int(round((packet.pts - packet.dts) / packet.duration))
    return None


def plan_pieces(segments: tuple[Segment, ...], index: KeyframeIndex) -> tuple[Piece, ...]:
    boundaries = (*index.keyframes, index.frame_total)
    pieces: list[Piece] = []
    for seg in segments:
        assert seg.frame_start is not None and seg.frame_end is not None
        a, b = seg.frame_start, seg.frame_end
        inner = [k for k in boundaries if a <= k <= b]
        # Very short encoded edges come out of x264 with a smaller reorder delay than the
        # source, which would break dts continuity; give them one more GOP instead.
        while len(inner) >= 2 and 0 < inner[0] - a < MIN_EDGE_FRAMES:
            inner.pop(0)
        while len(inner) >= 2 and 0 < b - inner[-1] < MIN_EDGE_FRAMES:
            inner.pop()
        if len(inner) < 2:
            pieces.append(Piece(a, b, False, _keyframe_at_or_before(index, a)))
            continue
        k1, k_last = inner[0], inner[-1]
        if a < k1:
            pieces.append(Piece(a, k1, False, _keyframe_at_or_before(index, a)))
        pieces.append(Piece(k1, k_last, True, k1))
        if k_last < b:
            pieces.append(Piece(k_last, b, False, k_last))
    return tuple(pieces)


def _keyframe_at_or_before(index: KeyframeIndex, frame: int) -> int:
    return max(k for k in index.keyframes if k <= frame)


def predicts_gain(pieces: tuple[Piece, ...]) -> bool:
    copied = sum(p.count for p in pieces if p.copy)
    total = sum(p.count for p in pieces)
    return total > 0 and Fraction(copied, total) >= MIN_COPIED_SHARE


def plan_smart(
    info: MediaInfo, plan: RenderPlan, index: KeyframeIndex, work: Path, ffmpeg: Path
) -> SmartPlan:
    """Pure: the ffmpeg steps and the ffconcat list of a smart render."""
    video = info.video
    assert video is not None and plan.frame_rate is not None
    rate = plan.frame_rate
    pieces = plan_pieces(plan.segments, index)
    video_only = work / "video.mp4"
    steps: list[FfmpegStep] = [_copy_video_step(ffmpeg, info, video, video_only, index, rate)]
    paths: list[Path | None] = []
    for i, piece in enumerate(pieces):
        if piece.copy:
            paths.append(None)
            continue
        path = work / f"piece_{i:04d}.mp4"
        paths.append(path)
        steps.append(_encode_step(ffmpeg, info, video, piece, index, rate, path))
    list_path = work / "video.ffconcat"
    listing = concat_listing(pieces, paths, video_only, index, rate)
    steps.append(_mux_step(ffmpeg, info, plan, list_path, video))
    return SmartPlan(pieces, tuple(steps), tuple(paths), listing, list_path)


def _seconds(value: Fraction) -> str:
    return f"{float(value):.9f}"


def _us(value: Fraction) -> int:
    return round(value * 1_000_000)


def _copy_video_step(
    ffmpeg: Path,
    info: MediaInfo,
    video: VideoInfo,
    dest: Path,
    index: KeyframeIndex,
    rate: Fraction,
) -> FfmpegStep:
    # ffconcat ends a file at `outpoint` on any stream's dts, so copied GOPs come from a
    # video-only file (also puts the video at stream index 0).
    argv = (
        str(ffmpeg),
        "-y",
        "-loglevel",
        "error",
        "-i",
        str(info.path),
        "-map",
        f"0:{video.stream_index}",
        "-c",
        "copy",
        "-an",
        "-sn",
        "-dn",
        "-f",
        "mp4",
        str(dest),
    )
    return FfmpegStep(argv, _us(Fraction(index.frame_total) / rate), weight=index.frame_total / 50)


def _encode_step(
    ffmpeg: Path,
    info: MediaInfo,
    video: VideoInfo,
    piece: Piece,
    index: KeyframeIndex,
    rate: Fraction,
    dest: Path,
) -> FfmpegStep:
    seek = Fraction(2 * piece.seek_keyframe + 1, 2) / rate  # half a frame past the keyframe
    offset = piece.start - piece.seek_keyframe
    kbps = (video.bit_rate or info.bit_rate or 8_000_000) // 1000
    argv = [
        str(ffmpeg),
        "-y",
        "-loglevel",
        "error",
        "-noaccurate_seek",
        "-ss",
        _seconds(seek),
        "-i",
        str(info.path),
        "-map",
        f"0:{video.stream_index}",
        "-an",
        "-sn",
        "-dn",
        "-vf",
        f"trim=start_frame={offset}:end_frame={offset + piece.count},setpts=PTS-STARTPTS",
        "-frames:v",
        str(piece.count),
        "-fps_mode",
        "passthrough",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        EDGE_CRF,
        "-maxrate",
        f"{kbps * 3 // 2}k",
        "-bufsize",
        f"{kbps * 3}k",
        "-profile:v",
        PROFILES[video.profile or ""],
        "-level:v",
        str(video.level),
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(max(piece.count, 1)),
        *BFRAME_ARGS[index.reorder_delay],
    ]
    for option, value in (
        ("-color_primaries", video.color_primaries),
        ("-color_trc", video.color_trc),
        ("-colorspace", video.colorspace),
        ("-color_range", video.color_range),
    ):
        if value:
            argv += [option, value]
    if video.time_base is not None:
        argv += ["-video_track_timescale", str(video.time_base.denominator)]
    argv += ["-f", "mp4", str(dest)]
    return FfmpegStep(tuple(argv), _us(Fraction(piece.count) / rate), weight=piece.count)


def concat_listing(
    pieces: tuple[Piece, ...],
    paths: list[Path | None],
    video_only: Path,
    index: KeyframeIndex,
    rate: Fraction,
) -> str:
    """The ffconcat script. Durations are differences of rounded cumulative times, so rounding
    to microseconds never accumulates across pieces."""
    lines = ["ffconcat version 1.0"]
    elapsed = 0
    for piece, path in zip(pieces, paths, strict=True):
        start_us = _us(Fraction(elapsed) / rate)
        elapsed += piece.count
        duration_us = _us(Fraction(elapsed) / rate) - start_us
        if path is not None:
            lines += [f"file '{path.name}'", f"duration {duration_us}us"]
            continue
        lines += [f"file '{video_only.name}'", f"inpoint {_us(piece.start / rate)}us"]
        if piece.end < index.frame_total:
            # ffconcat stops at the first packet whose *dts* reaches outpoint: the keyframe
            # that ends the piece, whose dts is `reorder_delay` frames before its pts.
            out = Fraction(2 * (piece.end - index.reorder_delay) - 1, 2) / rate
            lines.append(f"outpoint {_us(out)}us")
        lines.append(f"duration {duration_us}us")
    return "\n".join(lines) + "\n"


def _mux_step(
    ffmpeg: Path, info: MediaInfo, plan: RenderPlan, list_path: Path, video: VideoInfo
) -> FfmpegStep:
    argv = [
        str(ffmpeg),
        "-y",
        "-loglevel",
        "error",
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        str(list_path),
    ]
    if info.audio is not None and plan.sample_rate is not None and plan.audio_kbps is not None:
        rate = plan.frame_rate
        assert rate is not None
        last = max(s.frame_end or 0 for s in plan.segments)
        graph = filter_graph(
            plan.segments,
            rate=None,
            video_filters=(),
            sample_rate=plan.sample_rate,
            fade_ms=plan.fade_ms,
            total_samples=frames_to_samples(last, rate, plan.sample_rate),
            audio_input="1:a:0",
        )
        argv += [
            "-i",
            str(info.path),
            "-filter_complex",
            graph,
            "-map",
            "0:v:0",
            "-map",
            "[aout]",
            *audio_codec_args(plan.format, plan.audio_kbps, info.audio),
        ]
    else:
        argv += ["-map", "0:v:0"]
    argv += ["-c:v", "copy", "-map_chapters", "-1"]
    if video.time_base is not None:
        argv += ["-video_track_timescale", str(video.time_base.denominator)]
    argv += [*container_args(plan.format), str(plan.output_path)]
    return FfmpegStep(tuple(argv), plan.duration_us, weight=(plan.frame_count or 0) / 20)


def try_smart_render(
    info: MediaInfo,
    plan: RenderPlan,
    preset: PresetSpec,
    work: Path,
    ffmpeg: Path,
    on_progress: ProgressCallback | None,
    should_cancel: CancelCheck | None,
) -> bool:
    """Smart-render `plan` into `plan.output_path`; False (and nothing written) when the source
    does not allow it, no gain is predicted, or the result is not frame-exact."""
    if ineligible_reason(info, preset, plan) is not None or info.video is None:
        return False
    index = read_keyframe_index(info.path, info.video.stream_index)
    if index is None or index.reorder_delay not in BFRAME_ARGS:
        return False
    assert plan.frame_rate is not None
    if index.frame_total != source_frames(info, plan.frame_rate):
        return False  # e.g. an edit list hides frames: index positions are not frame numbers
    smart = plan_smart(info, plan, index, work, ffmpeg)
    if not predicts_gain(smart.pieces):
        return False
    smart.list_path.write_text(smart.concat_list)
    cleanup = [plan.output_path, *[p for p in smart.piece_paths if p is not None]]
    execute(smart.steps[:-1], on_progress, should_cancel, cleanup, span=0.9)
    if not _pieces_match(smart, index):
        return False
    execute(smart.steps[-1:], on_progress, should_cancel, cleanup, base=0.9, span=0.1)
    if _frame_exact(plan):
        return True
    plan.output_path.unlink(missing_ok=True)
    return False


def _pieces_match(smart: SmartPlan, index: KeyframeIndex) -> bool:
    for path in smart.piece_paths:
        if path is None:
            continue
        piece_index = read_keyframe_index(path, 0)
        if piece_index is None or piece_index.reorder_delay != index.reorder_delay:
            return False
    return True


def _frame_exact(plan: RenderPlan) -> bool:
    """Frame-exact (`frames_exact`; the keyframe index counted every source frame) and still
    constant-rate at the planned rate."""
    try:
        out = probe_output(plan.output_path)
    except RenderInvalid:
        return False
    return (
        out.video is not None
        and out.video.frame_count is not None
        and frames_exact(plan, out, total_known=True)
        and not out.video.is_vfr
        and out.video.avg_frame_rate == plan.frame_rate
    )
