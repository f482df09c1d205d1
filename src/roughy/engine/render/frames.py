"""Where each source video frame lands on the output's constant frame grid, from the demuxed
packets alone (no decoding).

The full re-encode forces video onto a grid of `rate` frames per second with ffmpeg's `fps`
filter: a frame stamped `pts` goes to grid slot `round(pts * rate)` (half away from zero, after
ffmpeg's input offset of minus the container start), and slot `n` shows the latest frame whose
slot is at most `n`. A run of frames can be stream-copied into the output exactly when
- decoding can start at its first frame (an IDR picture) and needs nothing after its last one
  (in decode order the run holds exactly the frames that are shown in it), and
- its frames sit on consecutive slots, one frame per slot, so the grid shows each of them once
  and nothing else.
Constant-rate sources rendered without `fps` must map frame `i` to slot `i`, or nothing is copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

H264_IDR_SLICE = 5
MAX_NALS_PER_SAMPLE = 16


@dataclass(frozen=True)
class FrameTable:
    """Video packets in display order (`pts` ascending); positions 0..count."""

    time_base: Fraction
    rate: Fraction
    pts: IntArray
    dts: IntArray
    """Decode timestamps in decode order (dts[i] belongs to the i-th packet decoded)."""
    slots: IntArray
    """Grid slot of each frame (display order)."""
    shown: BoolArray
    clean: BoolArray
    """clean[p] (p in 0..count): the first p packets decoded are the first p frames shown."""
    starts: BoolArray
    """starts[p]: decoding can begin at position p (clean, and an IDR picture)."""
    first_slot: int
    """The slot of output frame 0."""
    reorder_delay: int
    input_offset: int
    """Ticks ffmpeg adds to every timestamp (minus the container start)."""
    seek_shift: int
    """Ticks between a packet's dts and the time a seek must ask for to land on it (the mp4
    demuxer seeks on decode times shifted by the edit list; the larger of the two shifts seen
    is used, and every landing is checked before copying)."""

    @property
    def count(self) -> int:
        return len(self.pts)

    def out_frame(self, position: int) -> int:
        """Output frame index of the frame at `position`."""
        return int(self.slots[position]) - self.first_slot


def read_frame_table(
    path: Path, stream_index: int, rate: Fraction, *, uses_fps: bool, fps_from_zero: bool
) -> FrameTable | None:
    """The table of `path`'s video stream as the full re-encode would grid it (`uses_fps`: the
    plan forces the rate with `fps`, `fps_from_zero`: with `start_time=0`). None when the stream
    cannot be indexed (no packets, no timestamps, not avcC H.264)."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams[stream_index]
            length_size = _nal_length_size(stream.codec_context.extradata)
            if length_size is None or stream.time_base is None:
                return None
            time_base = Fraction(stream.time_base)
            offset = _input_offset(container, time_base)
            rows = _packets(container, stream, length_size)
    except (av.error.FFmpegError, OSError, ValueError):
        return None
    if rows is None or len(rows[0]) == 0:
        return None
    return _table(rows, time_base, rate, offset, uses_fps=uses_fps, fps_from_zero=fps_from_zero)


def _input_offset(container: Any, time_base: Fraction) -> int:
    """ffmpeg shifts input timestamps by minus the container start (rounded into the stream's
    time base, half away from zero)."""
    start = container.start_time
    if start is None:
        return 0
    return -_round_half_away(Fraction(int(start), 1_000_000) / time_base)


Rows = tuple[list[int], list[int], list[bool], list[bool]]


def _packets(container: Any, stream: Any, length_size: int) -> Rows | None:
    pts: list[int] = []
    dts: list[int] = []
    idr: list[bool] = []
    shown: list[bool] = []
    for packet in container.demux(stream):
        if packet.size == 0:
            continue  # the demuxer's end-of-stream flush packet
        if packet.pts is None or packet.dts is None:
            return None
        pts.append(int(packet.pts))
        dts.append(int(packet.dts))
        idr.append(bool(packet.is_keyframe) and _has_idr(bytes(packet), length_size))
        shown.append(not packet.is_discard)
    return pts, dts, idr, shown


def _table(
    rows: Rows,
    time_base: Fraction,
    rate: Fraction,
    offset: int,
    *,
    uses_fps: bool,
    fps_from_zero: bool,
) -> FrameTable | None:
    pts_decode = np.asarray(rows[0], dtype=np.int64)
    dts = np.asarray(rows[1], dtype=np.int64)
    order = np.argsort(pts_decode, kind="stable")
    pts = pts_decode[order]
    shown = np.asarray(rows[3], dtype=np.bool_)[order]
    exact = (pts + offset) * (time_base.numerator * rate.numerator)
    scale = time_base.denominator * rate.denominator
    slots = _div_round_half_away(exact, scale)
    prefix_max = np.maximum.accumulate(pts_decode)
    suffix_min = np.minimum.accumulate(pts_decode[::-1])[::-1]
    clean = np.ones(len(pts) + 1, dtype=np.bool_)
    clean[1:-1] = prefix_max[:-1] < suffix_min[1:]
    starts = np.zeros(len(pts) + 1, dtype=np.bool_)
    starts[:-1] = clean[:-1] & np.asarray(rows[2], dtype=np.bool_) & shown
    visible = slots[shown]
    if len(visible) == 0:
        return None
    first_slot = 0 if fps_from_zero else int(visible[0])
    if not uses_fps and not np.array_equal(slots, np.arange(len(slots))):
        return None  # the full re-encode counts decoded frames: they must be the grid
    delay = _reorder_delay(pts_decode, dts, order)
    if delay is None:
        return None
    return FrameTable(
        time_base,
        rate,
        pts,
        dts,
        slots,
        shown,
        clean,
        starts,
        first_slot,
        delay,
        offset,
        max(-int(dts[0]), int(pts_decode[0] - dts[0])),
    )


def _reorder_delay(pts_decode: IntArray, dts: IntArray, order: IntArray) -> int | None:
    """Frames between a frame's decode and display (0 without B-frames), from the first one."""
    if len(order) < 2:
        return 0
    step = int(pts_decode[order[1]] - pts_decode[order[0]])
    if step <= 0:
        return None
    return int(round(int(pts_decode[0] - dts[0]) / step))


def _div_round_half_away(values: IntArray, divisor: int) -> IntArray:
    quotient = np.floor_divide(2 * np.abs(values) + divisor, 2 * divisor)
    result: IntArray = np.where(values < 0, -quotient, quotient)
    return result


def _round_half_away(value: Fraction) -> int:
    magnitude = int(abs(value) + Fraction(1, 2))
    return -magnitude if value < 0 else magnitude


def _nal_length_size(extradata: bytes | None) -> int | None:
    """Bytes of each NAL length prefix, from the avcC record (None if not avcC)."""
    if not extradata or len(extradata) < 7 or extradata[0] != 1:
        return None
    return (extradata[4] & 0x03) + 1


def _has_idr(data: bytes, length_size: int) -> bool:
    """True when the sample holds an IDR slice. Open-GOP recovery points are also sync samples,
    but pictures after them may reference the previous GOP: decoding cannot start there."""
    offset = 0
    for _ in range(MAX_NALS_PER_SAMPLE):
        if offset + length_size + 1 > len(data):
            return False
        if data[offset + length_size] & 0x1F == H264_IDR_SLICE:
            return True
        offset += length_size + int.from_bytes(data[offset : offset + length_size], "big")
    return False


PLACEMENT_MARGIN = 0.01
"""Frames kept clear of a rounding tie when copied stamps are rounded onto the grid."""


def placement(table: FrameTable, start: int, end: int) -> Fraction | None:
    """The ffconcat `inpoint` (seconds) for copying positions [start, end): late enough that the
    seek lands on the run's first frame, and such that every frame's time after the shift rounds
    to its own slot. None when no such time exists."""
    frames = _run_offsets(table, start, end)
    seek = _seek_frames(table, start)
    low = max(seek, float(frames.max()) - 0.5 + PLACEMENT_MARGIN)
    if low > float(frames.min()) + 0.5 - PLACEMENT_MARGIN:
        return None
    return Fraction(low).limit_denominator(10**9) / table.rate


def _run_offsets(table: FrameTable, start: int, end: int) -> FloatArray:
    """Each frame's time in frames minus its slot's distance from the run's first slot."""
    tb_rate = float(table.time_base * table.rate)
    slots = table.slots[start:end]
    offsets: FloatArray = table.pts[start:end] * tb_rate - (slots - slots[0])
    return offsets


def _seek_frames(table: FrameTable, position: int) -> float:
    """The earliest seek time (in frames) that lands on the IDR at `position`, plus 1 µs."""
    ticks = int(table.dts[position]) + table.seek_shift
    return float((ticks * table.time_base + Fraction(1, 1_000_000)) * table.rate)


@dataclass(frozen=True)
class Run:
    """Frames at positions [start, end) copied as output frames [out_start, out_end)."""

    start: int
    end: int
    out_start: int
    out_end: int


class RunFinder:
    """Longest copyable runs inside output frame ranges."""

    def __init__(self, table: FrameTable, min_edge: int) -> None:
        self.table = table
        self.min_edge = min_edge
        slots, shown = table.slots, table.shown
        step_ok = shown[:-1] & shown[1:] & (slots[1:] == slots[:-1] + 1)
        # A run may end at frame p when the next frame sits on a later slot (or there is none).
        end_ok = shown.copy()
        end_ok[:-1] &= slots[1:] > slots[:-1]
        self.breaks = np.flatnonzero(~step_ok)
        self.start_positions = np.flatnonzero(table.starts)
        self.start_out = slots[self.start_positions] - table.first_slot
        ends = np.flatnonzero(table.clean[1:] & end_ok) + 1
        self.end_positions = ends
        self.end_out = slots[ends - 1] - table.first_slot + 1

    def run_within(self, a: int, b: int) -> Run | None:
        """The first run starting at output frame `a` or at least `min_edge` later and ending at
        `b` or at least `min_edge` earlier (None when there is none)."""
        i = int(np.searchsorted(self.start_out, a))
        if i < len(self.start_out) and self.start_out[i] != a:
            i = int(np.searchsorted(self.start_out, a + self.min_edge))
        for k in range(i, len(self.start_positions)):
            start = int(self.start_positions[k])
            out_start = int(self.start_out[k])
            if out_start >= b - self.min_edge:
                return None
            run = self._longest_from(start, out_start, b)
            if run is not None:
                return run
        return None

    def _longest_from(self, start: int, out_start: int, b: int) -> Run | None:
        table = self.table
        nb = int(np.searchsorted(self.breaks, start))
        last_frame = int(self.breaks[nb]) if nb < len(self.breaks) else table.count - 1
        limit = last_frame + 1
        offsets = _run_offsets(table, start, limit)
        low = np.maximum(np.maximum.accumulate(offsets) - 0.5, _seek_frames(table, start))
        high = np.minimum.accumulate(offsets) + 0.5
        unplaceable = np.flatnonzero(low + PLACEMENT_MARGIN > high - PLACEMENT_MARGIN)
        if len(unplaceable):
            limit = start + int(unplaceable[0])
        j = min(
            int(np.searchsorted(self.end_positions, limit, side="right")),
            int(np.searchsorted(self.end_out, b, side="right")),
        )
        if j > 0 and self.end_out[j - 1] != b:
            j = min(j, int(np.searchsorted(self.end_out, b - self.min_edge, side="right")))
        if j == 0:
            return None
        end = int(self.end_positions[j - 1])
        if end - start < self.min_edge:
            return None
        return Run(start, end, out_start, int(self.end_out[j - 1]))
