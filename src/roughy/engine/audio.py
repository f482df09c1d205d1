"""Analysis audio: decode any input to 16 kHz mono PCM, and the signal helpers the cutter needs.

The analysis file is a plain 16-bit PCM WAV with a canonical 44-byte header, written in a single
streaming pass (bounded memory for multi-hour inputs) and read back memory-mapped.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np
import numpy.typing as npt

from roughy.engine.errors import NoAudioStream
from roughy.engine.types import (
    CancelCheck,
    EngineCancelled,
    MediaUnreadable,
    ProgressCallback,
    Span,
)

ANALYSIS_SAMPLE_RATE = 16_000
FRAME_US = 10_000
_HEADER_BYTES = 44
_PROGRESS_STEP = 0.01

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class AnalysisAudioInfo:
    path: Path
    sample_rate: int
    samples: int
    duration_us: int
    source_codec: str


def extract_analysis_audio(
    source: Path,
    destination: Path,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> AnalysisAudioInfo:
    """Decode the first audio stream of `source` to a 16 kHz mono s16 WAV at `destination`.

    Raises `MediaUnreadable` with code `media_unreadable` for files PyAV cannot open or decode and
    `no_audio_stream` when the container has no audio. The destination is written to a temporary
    sibling and renamed, so a cancelled or failed run never leaves a half file behind.
    """
    partial = destination.with_name(destination.name + ".partial")
    try:
        container = av.open(str(source))
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise MediaUnreadable(f"cannot open the media: {exc}") from exc
    try:
        with container, partial.open("wb") as out:
            stream = _first_audio_stream(container, source)
            samples = _decode_to(container, stream, out, on_progress, should_cancel)
            _write_header(out, samples)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if samples == 0:
        partial.unlink(missing_ok=True)
        raise NoAudioStream("the media has no decodable audio")
    partial.replace(destination)
    if on_progress is not None:
        on_progress(1.0)
    return AnalysisAudioInfo(
        path=destination,
        sample_rate=ANALYSIS_SAMPLE_RATE,
        samples=samples,
        duration_us=samples * 1_000_000 // ANALYSIS_SAMPLE_RATE,
        source_codec=stream.codec_context.name,
    )


def _first_audio_stream(container: av.container.InputContainer, source: Path) -> av.AudioStream:
    if not container.streams.audio:
        raise NoAudioStream("the media has no audio stream")
    return container.streams.audio[0]


def _stream_duration_s(container: av.container.InputContainer, stream: av.AudioStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return 0.0


def _decode_to(
    container: av.container.InputContainer,
    stream: av.AudioStream,
    sink: BinaryIO,
    on_progress: ProgressCallback | None,
    should_cancel: CancelCheck | None,
) -> int:
    sink.write(b"\0" * _HEADER_BYTES)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=ANALYSIS_SAMPLE_RATE)
    total_s = _stream_duration_s(container, stream)
    written = 0
    reported = 0.0
    try:
        for frame in container.decode(stream):
            if should_cancel is not None and should_cancel():
                raise EngineCancelled("audio extraction cancelled")
            for chunk in resampler.resample(frame):
                written += _write_chunk(sink, chunk)
            reported = _report(on_progress, written, total_s, reported)
        for chunk in resampler.resample(None):
            written += _write_chunk(sink, chunk)
    except av.FFmpegError as exc:
        if written == 0:
            raise MediaUnreadable(f"cannot decode audio: {exc}") from exc
    return written


def _write_chunk(sink: BinaryIO, frame: av.AudioFrame) -> int:
    data = frame.to_ndarray().reshape(-1).astype("<i2", copy=False)
    sink.write(data.tobytes())
    return int(data.shape[0])


def _report(
    on_progress: ProgressCallback | None, written: int, total_s: float, reported: float
) -> float:
    if on_progress is None or total_s <= 0:
        return reported
    fraction = min(0.99, written / ANALYSIS_SAMPLE_RATE / total_s)
    if fraction - reported >= _PROGRESS_STEP:
        on_progress(fraction)
        return fraction
    return reported


def _write_header(sink: BinaryIO, samples: int) -> None:
    data_bytes = samples * 2
    header = b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, ANALYSIS_SAMPLE_RATE, 32_000, 2, 16)
    header += b"data" + struct.pack("<I", data_bytes)
    sink.seek(0)
    sink.write(header)


def open_analysis_audio(path: Path) -> npt.NDArray[np.int16]:
    """Memory-map an analysis WAV written by `extract_analysis_audio` (int16 samples, 16 kHz)."""
    with path.open("rb") as fh:
        header = fh.read(_HEADER_BYTES)
    if len(header) < _HEADER_BYTES or header[:4] != b"RIFF" or header[36:40] != b"data":
        raise MediaUnreadable(f"{path.name} is not an analysis WAV")
    channels, rate = struct.unpack("<HI", header[22:28])
    bits = struct.unpack("<H", header[34:36])[0]
    if channels != 1 or rate != ANALYSIS_SAMPLE_RATE or bits != 16:
        raise MediaUnreadable(f"{path.name} is not 16 kHz mono s16")
    data_bytes = struct.unpack("<I", header[40:44])[0]
    if data_bytes == 0:
        return np.zeros(0, dtype=np.int16)
    return np.memmap(path, dtype="<i2", mode="r", offset=_HEADER_BYTES, shape=(data_bytes // 2,))


def load_analysis_audio(path: Path) -> FloatArray:
    """Read an analysis WAV into a float32 array in [-1, 1] (4 bytes per sample in memory)."""
    pcm = open_analysis_audio(path)
    out = np.empty(pcm.shape[0], dtype=np.float32)
    step = ANALYSIS_SAMPLE_RATE * 600
    for start in range(0, pcm.shape[0], step):
        out[start : start + step] = pcm[start : start + step].astype(np.float32) / 32768.0
    return out


def frame_energy_db(
    samples: npt.NDArray[np.float32] | npt.NDArray[np.int16],
    sample_rate: int = ANALYSIS_SAMPLE_RATE,
    frame_us: int = FRAME_US,
) -> FloatArray:
    """RMS level per frame in dBFS (floor -100 dB), in chunks so int16 memmaps stay cheap."""
    hop = sample_rate * frame_us // 1_000_000
    frames = samples.shape[0] // hop
    out = np.empty(frames, dtype=np.float32)
    scale = 32768.0 if samples.dtype == np.int16 else 1.0
    chunk_frames = 60_000
    for first in range(0, frames, chunk_frames):
        last = min(frames, first + chunk_frames)
        block = np.asarray(samples[first * hop : last * hop], dtype=np.float32) / scale
        rms = np.sqrt(np.mean(block.reshape(last - first, hop) ** 2, axis=1) + 1e-12)
        out[first:last] = 20.0 * np.log10(np.maximum(rms, 1e-5))
    return out


def noise_floor_db(energy_db: FloatArray) -> float:
    """A robust estimate of the background level: the 10th percentile of frame energies."""
    if energy_db.size == 0:
        return -100.0
    return float(np.percentile(energy_db, 10))


def energy_speech_spans(
    energy_db: FloatArray,
    *,
    frame_us: int = FRAME_US,
    margin_db: float = 12.0,
    min_gap_us: int = 100_000,
    min_speech_us: int = 50_000,
) -> list[Span]:
    """Spans `margin_db` above the noise floor, with gaps under `min_gap_us` merged.

    A cheap, model-free VAD; the cutter prefers `speech_spans` (Silero) and uses this as a fallback
    and for refining boundaries.
    """
    floor = noise_floor_db(energy_db)
    peak = float(np.percentile(energy_db, 99)) if energy_db.size else floor
    threshold = max(floor + margin_db, peak - 45.0)
    active = energy_db > threshold
    return _merge_spans(_runs(active, frame_us), min_gap_us, min_speech_us)


def _runs(active: npt.NDArray[np.bool_], frame_us: int) -> list[Span]:
    if active.size == 0:
        return []
    padded = np.concatenate(([False], active, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [
        Span(int(a) * frame_us, int(b) * frame_us)
        for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]


def _merge_spans(spans: list[Span], min_gap_us: int, min_len_us: int) -> list[Span]:
    merged: list[Span] = []
    for span in spans:
        if merged and span.start_us - merged[-1].end_us < min_gap_us:
            merged[-1] = Span(merged[-1].start_us, span.end_us)
        else:
            merged.append(span)
    return [s for s in merged if s.duration_us >= min_len_us]


def speech_spans(
    samples: FloatArray,
    sample_rate: int = ANALYSIS_SAMPLE_RATE,
    *,
    threshold: float = 0.5,
    min_silence_us: int = 100_000,
    should_cancel: CancelCheck | None = None,
) -> list[Span]:
    """Speech regions found by the Silero VAD model that ships inside faster-whisper (no download).

    Runs over 10-minute windows so memory stays bounded; music and steady noise are rejected far
    better than by an energy threshold.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        threshold=threshold,
        min_speech_duration_ms=40,
        min_silence_duration_ms=min_silence_us // 1000,
        speech_pad_ms=0,
    )
    window = sample_rate * 600
    spans: list[Span] = []
    for offset in range(0, samples.shape[0], window):
        if should_cancel is not None and should_cancel():
            raise EngineCancelled("voice activity detection cancelled")
        block = np.ascontiguousarray(samples[offset : offset + window], dtype=np.float32)
        for chunk in get_speech_timestamps(block, options, sampling_rate=sample_rate):
            start = (offset + int(chunk["start"])) * 1_000_000 // sample_rate
            end = (offset + int(chunk["end"])) * 1_000_000 // sample_rate
            spans.append(Span(start, end))
    merged = _merge_spans(spans, min_silence_us, 0)
    return split_at_pauses(merged, frame_energy_db(samples, sample_rate))


def split_at_pauses(
    spans: list[Span],
    energy_db: FloatArray,
    *,
    min_pause_us: int = 120_000,
    depth_db: float = 25.0,
    frame_us: int = FRAME_US,
) -> list[Span]:
    """Split voiced spans where the energy drops `depth_db` below the span's loud level for at
    least `min_pause_us` (the VAD's hangover bridges short pauses between a filler and a word).
    """
    out: list[Span] = []
    floor = noise_floor_db(energy_db)
    need = max(1, min_pause_us // frame_us)
    for span in spans:
        first, last = (
            span.start_us // frame_us,
            max(span.start_us // frame_us + 1, span.end_us // frame_us),
        )
        level = energy_db[first:last]
        if level.size < 2 * need:
            out.append(span)
            continue
        threshold = max(float(np.percentile(level, 90)) - depth_db, floor + 3.0)
        quiet = _runs(level < threshold, frame_us)
        cursor = span.start_us
        for gap in quiet:
            gap_start, gap_end = span.start_us + gap.start_us, span.start_us + gap.end_us
            if (
                gap.duration_us >= need * frame_us
                and gap_start > span.start_us
                and gap_end < span.end_us
            ):
                out.append(Span(cursor, gap_start))
                cursor = gap_end
        out.append(Span(cursor, span.end_us))
    return [s for s in out if s.duration_us > 0]


def quietest_point_us(
    energy_db: FloatArray, start_us: int, end_us: int, frame_us: int = FRAME_US
) -> int:
    """The centre of the lowest-energy frame in [start_us, end_us) (start_us if the range is empty).

    Ties go to the frame nearest the middle of the range, so joins land in the heart of a gap.
    """
    first = max(0, start_us // frame_us)
    last = min(energy_db.shape[0], max(first, end_us // frame_us))
    if last <= first:
        return start_us
    window = energy_db[first:last]
    low = float(window.min())
    candidates = np.flatnonzero(window <= low + 1.0)
    middle = (last - first - 1) / 2
    best = int(candidates[np.argmin(np.abs(candidates - middle))])
    return (first + best) * frame_us + frame_us // 2


def nearest_zero_crossing_us(
    samples: FloatArray, at_us: int, sample_rate: int = ANALYSIS_SAMPLE_RATE, radius_us: int = 5_000
) -> int:
    """Move `at_us` to the nearest sign change of the waveform within `radius_us`."""
    centre = at_us * sample_rate // 1_000_000
    radius = radius_us * sample_rate // 1_000_000
    lo = max(0, centre - radius)
    hi = min(samples.shape[0], centre + radius + 1)
    if hi - lo < 2:
        return at_us
    block = np.asarray(samples[lo:hi], dtype=np.float32)
    signs = np.signbit(block)
    crossings = np.flatnonzero(signs[1:] != signs[:-1]) + lo + 1
    if crossings.size == 0:
        return at_us
    best = int(crossings[np.argmin(np.abs(crossings - centre))])
    return best * 1_000_000 // sample_rate
