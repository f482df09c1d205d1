"""Smart render's re-encoded pieces ("edges"), several to one ffmpeg process.

Every encoded piece must be joinable with stream-copied runs by the ffconcat demuxer:
- it starts with an IDR picture and ends where decoding and display order agree (x264 closes
  the GOP before each forced IDR), so it decodes on its own;
- it has the source's profile, level, pixel format and size, and the source's reorder delay
  (frames between dts and pts, `BFRAME_ARGS`), so dts stay continuous across the joins;
- its frames are those the full re-encode shows on the same grid slots: decoding starts at an
  IDR at or before the piece and the frames go through the same `fps` grid (same input offset:
  -copyts -start_at_zero).
A piece is never shorter than `MIN_EDGE_FRAMES` unless its whole kept span is.

An hour cut every few seconds has over a thousand edges. One ffmpeg process per edge cost about
0.25 CPU-s before its first frame (process start, the source's index, x264 start-up), and the end
of one kept span and the start of the next often share a GOP, so the same frames were decoded
twice. Edges whose decoding ranges touch or nearly touch (`BATCH_GAP_FRAMES`) are therefore
encoded by one process: it seeks to the first edge's IDR, decodes forward once, keeps the edges'
grid slots (`select`), forces an IDR at each edge's first frame and writes each edge to its own
file (the segment muxer cuts at exactly those frames).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from pathlib import Path

import numpy as np

from roughy.engine.probe import MediaInfo, VideoInfo
from roughy.engine.render.encoder import X264_EDGE
from roughy.engine.render.frames import FrameTable
from roughy.engine.render.plan import FfmpegStep, color_args

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
MIN_EDGE_FRAMES = 8
"""Very short pieces encoded alone came out of x264 with a smaller reorder delay than the
source, which would break dts continuity: runs never leave fewer frames than this to encode."""

BATCH_GAP_FRAMES = 40
"""Most source frames decoded only to reach the next edge of the same process. Measured on the
60-minute 720p bench source (2-core machine): a separate process for an edge costs about 0.24
CPU-s before its first frame, decoding one frame about 5 ms, so skipping up to ~45 frames is
cheaper than starting another process; 40 keeps a margin."""

MAX_BATCH_EDGES = 16
"""Most edges one process encodes, so a cut with few, dense edge clusters still gives every
worker a share (an hour has hundreds of batches either way)."""


@dataclass(frozen=True)
class Piece:
    start: int
    end: int
    """Output frames [start, end)."""
    copy: bool
    source_start: int
    source_end: int
    """Copied: the source positions of the run. Encoded: decoding starts at `source_start`."""

    @property
    def count(self) -> int:
        return self.end - self.start


def encoded_piece(table: FrameTable, start: int, end: int) -> Piece:
    """An encoded piece: decoding starts at the last IDR at or before the frame shown first."""
    shown_first = _shown_at(table, start)
    starts = np.flatnonzero(table.starts[: shown_first + 1])
    return Piece(start, end, False, int(starts[-1]) if len(starts) else 0, shown_first)


def _shown_at(table: FrameTable, out_frame: int) -> int:
    """Source position of the frame the grid shows as output frame `out_frame`."""
    slot = table.first_slot + out_frame
    return max(0, int(np.searchsorted(table.slots, slot, side="right")) - 1)


def batch_edges(pieces: tuple[Piece, ...], table: FrameTable) -> list[list[int]]:
    """Indices of the encoded pieces, grouped (in order) into one ffmpeg process per group."""
    batches: list[list[int]] = []
    decoded_to = 0
    for index, piece in enumerate(pieces):
        if piece.copy:
            continue
        joins = (
            bool(batches)
            and piece.source_start <= decoded_to + BATCH_GAP_FRAMES
            and len(batches[-1]) < MAX_BATCH_EDGES
        )
        if joins:
            batches[-1].append(index)
        else:
            batches.append([index])
        decoded_to = max(decoded_to, _shown_at(table, piece.end - 1))
    return batches


def batch_paths(work: Path, batch: int, size: int) -> tuple[Path, ...]:
    """The files a batch's segment muxer writes, one per edge (see `batch_step`)."""
    return tuple(work / f"edges_{batch:04d}_{i:03d}.mp4" for i in range(size))


def batch_step(
    ffmpeg: Path,
    info: MediaInfo,
    video: VideoInfo,
    table: FrameTable,
    edges: list[Piece],
    work: Path,
    batch: int,
) -> FfmpegStep:
    """One process encoding `edges` (in output order) to `batch_paths(work, batch, ...)`."""
    rate = table.rate
    tb = table.time_base
    first = edges[0]
    seek_us = math.floor((int(table.pts[first.source_start]) + table.input_offset) * tb * 1_000_000)
    grid, origin = _grid(table, first)
    shift = table.first_slot - origin
    keep = "+".join(f"between(n\\,{shift + e.start}\\,{shift + e.end - 1})" for e in edges)
    counts = [e.count for e in edges]
    firsts = [0, *accumulate(counts)][:-1]
    total = sum(counts)
    kbps = (video.bit_rate or info.bit_rate or 8_000_000) // 1000
    pattern = work / f"edges_{batch:04d}_%03d.mp4"
    argv = [
        str(ffmpeg), "-y", "-loglevel", "error", "-copyts", "-start_at_zero",
        "-noaccurate_seek", "-ss", f"{seek_us / 1_000_000:.6f}", "-i", str(info.path),
        "-map", f"0:{video.stream_index}", "-an", "-sn", "-dn",
        "-vf", f"{grid},select={keep},setpts=N", "-frames:v", str(total),
        "-fps_mode", "passthrough", *X264_EDGE.args(),
        "-maxrate", f"{kbps * 3 // 2}k", "-bufsize", f"{kbps * 3}k",
        "-profile:v", PROFILES[video.profile or ""], "-level:v", str(video.level),
        "-pix_fmt", "yuv420p", "-g", str(max(counts)),
        "-force_key_frames", "expr:" + "+".join(f"eq(n,{f})" for f in firsts),
        "-forced-idr", "1", *BFRAME_ARGS[table.reorder_delay],
    ]  # fmt: skip
    argv += color_args(video)
    argv += ["-f", "segment", "-segment_format", "mp4", "-reset_timestamps", "1"]
    argv += ["-segment_format_options", f"video_track_timescale={tb.denominator}"]
    if len(firsts) > 1:
        argv += ["-segment_frames", ",".join(str(f) for f in firsts[1:])]
    argv.append(str(pattern))
    duration_us = round(Fraction(total * 1_000_000) / rate)
    return FfmpegStep(tuple(argv), duration_us, weight=total)


def _grid(table: FrameTable, first: Piece) -> tuple[str, int]:
    """The `fps` filter putting decoded frames on the full re-encode's grid, and the slot its
    first output frame has (`select` counts from there)."""
    rate = table.rate
    slot = table.first_slot + first.start
    start = Fraction(slot) / rate
    if (start / table.time_base).denominator == 1:
        return f"fps=fps={rate}:start_time={float(start):.9f}", slot
    # start_time would be rounded into the time base: keep the grid from zero instead
    return f"fps=fps={rate}:start_time=0", 0
