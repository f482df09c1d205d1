"""Smart render: stream-copy the runs of source frames that land unchanged in the output,
re-encode only the rest.

The full re-encode puts the kept frames on a constant grid (`frames.py` tells, from the packets
alone, which grid slot each source frame lands on). A kept span [a, b) of output frames becomes
encoded pieces and stream-copied runs: a run starts at an IDR picture, holds exactly the frames
decoded from there to a point where decoding and display order agree, and its frames sit on
consecutive slots (so constant-rate sources copy whole GOPs, and variable-rate ones every run
between timestamp gaps, dropped frames and wandering stamps). Open GOPs are copied only from an
IDR on; long GOPs may end a run at any mini-GOP boundary.

Encoded pieces go through the same `fps` grid as the full re-encode (decoding from an IDR at or
before the piece), use the source's profile, level, pixel format, size and B-frame delay, and
start with an IDR, so the ffconcat demuxer (which inserts each piece's parameter sets in-band) can
join them with copied runs (`edges.py`; neighbouring pieces share one ffmpeg process); copied
timestamps are snapped to the grid (`setts`). Audio is re-encoded in one pass with the same trims
and fades as the full re-encode. The result is used only when it is frame-exact
(`execute.frames_exact`, constant rate at the planned rate); otherwise, and whenever the source or
output rules it out, `try_smart_render` says why and the full re-encode runs.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from roughy.engine.errors import RenderInvalid
from roughy.engine.probe import MediaInfo, VideoInfo
from roughy.engine.render.edges import (
    BFRAME_ARGS,
    MIN_EDGE_FRAMES,
    PROFILES,
    Piece,
    batch_edges,
    batch_paths,
    batch_step,
    encoded_piece,
)
from roughy.engine.render.execute import execute, frames_exact, probe_output
from roughy.engine.render.frames import FrameTable, RunFinder, placement, read_frame_table
from roughy.engine.render.plan import (
    FfmpegStep,
    RenderPlan,
    Segment,
    container_args,
    needs_fps_filter,
)
from roughy.engine.render.smart_audio import AudioSteps, plan_audio
from roughy.engine.render.spec import PresetSpec
from roughy.engine.types import CancelCheck, ProgressCallback

# Relative costs (one encoded frame = 1) for predicting whether smart render pays off.
DECODE_COST = 0.25
PROCESS_COST = 8.0
COPY_COST = 0.02
MAX_COST_SHARE = 0.8


@dataclass(frozen=True)
class SmartPlan:
    pieces: tuple[Piece, ...]
    copy_step: FfmpegStep
    encode_steps: tuple[FfmpegStep, ...]
    piece_paths: tuple[Path | None, ...]
    video_only: Path
    list_path: Path
    audio: AudioSteps | None


def ineligible_reason(info: MediaInfo, preset: PresetSpec, plan: RenderPlan) -> str | None:
    """Why the source/output pair cannot be smart-rendered (None when it can)."""
    video = info.video
    spec = preset.output
    checks = (
        (plan.format in ("mp4", "mov"), "audio-only output"),
        (info.is_mp4_family, "source container is not mp4/mov"),
        (video is not None and video.codec == "h264", "source video is not H.264"),
        (video is not None and video.pix_fmt == "yuv420p", "source pixel format is not yuv420p"),
        (video is not None and video.profile in PROFILES, "unsupported H.264 profile"),
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
        (
            video is not None and plan.frame_rate is not None and _slot_ticks(video, plan) > 0,
            "time base cannot hold the frame grid",
        ),
    )
    return next((reason for ok, reason in checks if not ok), None)


def _slot_ticks(video: VideoInfo, plan: RenderPlan) -> int:
    """Ticks of the source time base per output frame (0 when not a whole number)."""
    assert plan.frame_rate is not None
    if video.time_base is None:
        return 0
    ticks = 1 / (video.time_base * plan.frame_rate)
    return ticks.numerator if ticks.denominator == 1 else 0


def read_table(info: MediaInfo, plan: RenderPlan, path: Path | None = None) -> FrameTable | None:
    video = info.video
    assert video is not None and plan.frame_rate is not None
    return read_frame_table(
        path or info.path,
        0 if path else video.stream_index,
        plan.frame_rate,
        uses_fps=needs_fps_filter(video),
        fps_from_zero=video.start_us > 0,
    )


def plan_pieces(segments: tuple[Segment, ...], finder: RunFinder) -> tuple[Piece, ...]:
    """Each kept span as encoded pieces around the longest copyable runs inside it."""
    pieces: list[Piece] = []
    for seg in segments:
        assert seg.frame_start is not None and seg.frame_end is not None
        position, end = seg.frame_start, seg.frame_end
        while position < end:
            run = finder.run_within(position, end)
            if run is None:
                break
            if run.out_start > position:
                pieces.append(encoded_piece(finder.table, position, run.out_start))
            pieces.append(Piece(run.out_start, run.out_end, True, run.start, run.end))
            position = run.out_end
        if position < end:
            pieces.append(encoded_piece(finder.table, position, end))
    return tuple(pieces)


def predicts_gain(pieces: tuple[Piece, ...], table: FrameTable) -> bool:
    """Whether copying saves enough over re-encoding everything (decoding, processes)."""
    out_frames = sum(p.count for p in pieces)
    decoded = table.out_frame(max(p.source_end for p in pieces) - 1) if pieces else 0
    full = out_frames + DECODE_COST * decoded
    smart = COPY_COST * table.count + PROCESS_COST * len(batch_edges(pieces, table))
    for piece in pieces:
        if piece.copy:
            smart += COPY_COST * piece.count
            continue
        lead = piece.start - table.out_frame(piece.source_start)
        smart += piece.count + DECODE_COST * (lead + piece.count)
    return out_frames > 0 and smart < MAX_COST_SHARE * full


def plan_smart(
    info: MediaInfo,
    plan: RenderPlan,
    pieces: tuple[Piece, ...],
    table: FrameTable,
    work: Path,
    ffmpeg: Path,
) -> SmartPlan:
    """Pure: the ffmpeg steps of a smart render (the concat list needs the copied file)."""
    video = info.video
    assert video is not None and plan.frame_rate is not None
    video_only = work / "video.mp4"
    paths: list[Path | None] = [None] * len(pieces)
    steps: list[FfmpegStep] = []
    for number, batch in enumerate(batch_edges(pieces, table)):
        edges = [pieces[i] for i in batch]
        steps.append(batch_step(ffmpeg, info, video, table, edges, work, number))
        for index, path in zip(batch, batch_paths(work, number, len(batch)), strict=True):
            paths[index] = path
    copy = _copy_video_step(ffmpeg, info, video, video_only, table)
    audio = plan_audio(ffmpeg, info, plan, work)
    return SmartPlan(
        pieces, copy, tuple(steps), tuple(paths), video_only, work / "video.ffconcat", audio
    )


def _us(value: Fraction) -> int:
    return round(value * 1_000_000)


def _copy_video_step(
    ffmpeg: Path, info: MediaInfo, video: VideoInfo, dest: Path, table: FrameTable
) -> FfmpegStep:
    # ffconcat ends a file at `outpoint` on any stream's dts, so copied runs come from a
    # video-only file (also puts the video at stream index 0).
    argv = (
        str(ffmpeg), "-y", "-loglevel", "error", "-i", str(info.path),
        "-map", f"0:{video.stream_index}", "-c", "copy", "-an", "-sn", "-dn", "-f", "mp4",
        str(dest),
    )  # fmt: skip
    return FfmpegStep(argv, video.duration_us or info.duration_us, weight=table.count / 50)


def concat_listing(
    pieces: tuple[Piece, ...],
    paths: tuple[Path | None, ...],
    video_only: Path,
    copied: FrameTable,
    rate: Fraction,
) -> str | None:
    """The ffconcat script, in the copied file's timestamps (None when a run cannot be placed on
    the grid). Durations are differences of rounded cumulative times, so rounding to
    microseconds never accumulates across pieces."""
    lines = ["ffconcat version 1.0"]
    elapsed = 0
    with av.open(str(video_only)) as container:  # opened once: an hour's index takes 60 ms
        for piece, path in zip(pieces, paths, strict=True):
            start_us = _us(Fraction(elapsed) / rate)
            elapsed += piece.count
            duration_us = _us(Fraction(elapsed) / rate) - start_us
            if path is not None:
                lines += [f"file '{path.name}'", f"duration {duration_us}us"]
                continue
            inpoint = placement(copied, piece.source_start, piece.source_end)
            if inpoint is None or not _seek_lands(container, inpoint, copied, piece.source_start):
                return None
            lines += [f"file '{video_only.name}'", f"inpoint {math.ceil(inpoint * 1_000_000)}us"]
            lines += _outpoint(copied, piece)
            lines.append(f"duration {duration_us}us")
    return "\n".join(lines) + "\n"


def _outpoint(copied: FrameTable, run: Piece) -> list[str]:
    """ffconcat stops at the first packet whose *dts* reaches outpoint: the first one decoded
    after the run (decode and display order agree at its end)."""
    if run.source_end >= copied.count:
        return []
    last, after = copied.dts[run.source_end - 1], copied.dts[run.source_end]
    return [f"outpoint {_us(Fraction(int(last) + int(after), 2) * copied.time_base)}us"]


def _seek_lands(container: Any, inpoint: Fraction, table: FrameTable, position: int) -> bool:
    """Whether a seek to `inpoint` (as ffconcat does it) starts at the frame at `position`."""
    stream = container.streams.video[0]
    container.seek(math.ceil(inpoint * 1_000_000), backward=True, any_frame=False)
    packet = next((p for p in container.demux(stream) if p.size), None)
    return packet is not None and packet.pts == int(table.pts[position])


def _mux_step(
    ffmpeg: Path, plan: RenderPlan, list_path: Path, audio: Path | None, video: VideoInfo
) -> FfmpegStep:
    assert plan.frame_rate is not None and video.time_base is not None
    argv = [str(ffmpeg), "-y", "-loglevel", "error", "-f", "concat", "-safe", "0"]
    argv += ["-i", str(list_path)]
    if audio is not None:
        argv += ["-i", str(audio), "-map", "0:v:0", "-map", "1:a:0", "-c:a", "copy"]
    else:
        argv += ["-map", "0:v:0"]
    # Copied frames keep their own (possibly wandering) stamps and durations: put them on the
    # grid (the last packet's duration sets the stream's, hence its average rate).
    scale = video.time_base * plan.frame_rate
    ticks = _slot_ticks(video, plan)
    snap = f"round(PTS*{scale.numerator}/{scale.denominator})*{ticks}"
    snap_dts = f"round(DTS*{scale.numerator}/{scale.denominator})*{ticks}"
    argv += [
        "-c:v",
        "copy",
        "-bsf:v",
        f"setts=pts={snap}:dts={snap_dts}:duration={ticks}",
        "-map_chapters",
        "-1",
    ]
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
) -> str | None:
    """Smart-render `plan` into `plan.output_path`. Returns None when done, else why not (and
    nothing is written): the source or output rules it out, too little can be copied, or the
    result would not be frame-exact."""
    reason = ineligible_reason(info, preset, plan)
    if reason is not None:
        return reason
    video = info.video
    assert video is not None and plan.frame_rate is not None
    table = read_table(info, plan)
    if table is None:
        return "source video frames cannot be indexed"
    if table.reorder_delay not in BFRAME_ARGS:
        return "unsupported B-frame delay"
    pieces = plan_pieces(plan.segments, RunFinder(table, MIN_EDGE_FRAMES))
    if not any(p.copy for p in pieces):
        return "no stretch of whole GOPs on the output frame grid"
    if not predicts_gain(pieces, table):
        return "too little can be stream-copied to pay off"
    smart = plan_smart(info, plan, pieces, table, work, ffmpeg)
    cleanup = [plan.output_path, *[p for p in smart.piece_paths if p is not None]]
    _run_steps(smart, on_progress, should_cancel, cleanup)
    reason = _check_pieces(smart, table, info, plan)
    if reason is not None:
        return reason
    audio = smart.audio.encoded if smart.audio else None
    mux = _mux_step(ffmpeg, plan, smart.list_path, audio, video)
    execute((mux,), on_progress, should_cancel, cleanup, base=0.9, span=0.1)
    if _frame_exact(plan):
        return None
    plan.output_path.unlink(missing_ok=True)
    return "stream-copied result was not frame-exact"


def _run_steps(
    smart: SmartPlan,
    on_progress: ProgressCallback | None,
    should_cancel: CancelCheck | None,
    cleanup: list[Path],
) -> None:
    """The audio's PCM groups and the video copy, then the audio encode (the longest step, so
    first: it runs beside the edges rather than after them) and the edges."""
    audio = smart.audio
    workers = _workers()
    first = (*(audio.pcm if audio else ()), smart.copy_step)
    execute(first, on_progress, should_cancel, cleanup, span=0.15, workers=workers)
    if audio is not None:
        audio.list_path.write_text(audio.listing)
    second = (*((audio.encode,) if audio else ()), *smart.encode_steps)
    execute(second, on_progress, should_cancel, cleanup, base=0.15, span=0.75, workers=workers)


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _check_pieces(
    smart: SmartPlan, table: FrameTable, info: MediaInfo, plan: RenderPlan
) -> str | None:
    """Encoded pieces keep the source's reorder delay; the copied file's packets are the
    source's; then writes the concat list."""
    assert plan.frame_rate is not None
    for path in smart.piece_paths:
        if path is None:
            continue
        piece = read_frame_table(path, 0, plan.frame_rate, uses_fps=False, fps_from_zero=False)
        if piece is None or piece.reorder_delay != table.reorder_delay:
            return "re-encoded edges do not match the source's B-frame delay"
    copied = read_table(info, plan, smart.video_only)
    if copied is None or not np.array_equal(np.diff(copied.pts), np.diff(table.pts)):
        return "stream copy changed the frame timestamps"
    listing = concat_listing(
        smart.pieces, smart.piece_paths, smart.video_only, copied, plan.frame_rate
    )
    if listing is None:
        return "a stream-copied run cannot be placed on the output frame grid"
    smart.list_path.write_text(listing)
    return None


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
