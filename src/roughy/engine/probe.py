"""Media probing through PyAV, and container sniffing from the first bytes of an upload."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av
import av.error

from roughy.engine.errors import NoMediaStreams
from roughy.engine.timebase import US_PER_SECOND, nominal_rate
from roughy.engine.types import MediaUnreadable

# How many video packets to look at when estimating the keyframe interval.
_GOP_SCAN_PACKETS = 600


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    profile: str | None
    level: int | None
    width: int
    height: int
    pix_fmt: str | None
    avg_frame_rate: Fraction | None
    r_frame_rate: Fraction | None
    is_vfr: bool
    time_base: Fraction | None
    rotation: int
    color_primaries: str | None
    color_trc: str | None
    colorspace: str | None
    color_range: str | None
    bit_rate: int | None
    has_b_frames: bool
    gop_frames: int | None
    """Frames between the first two keyframes (None when unknown or a single keyframe)."""
    duration_us: int | None
    frame_count: int | None
    stream_index: int
    start_us: int = 0
    """First timestamp relative to the container start (non-zero when video starts late)."""

    @property
    def frame_rate(self) -> Fraction | None:
        """Nominal constant rate to work at (VFR is forced to this)."""
        return nominal_rate(self.avg_frame_rate, self.r_frame_rate)

    @property
    def display_width(self) -> int:
        return self.height if self.rotation % 180 else self.width

    @property
    def display_height(self) -> int:
        return self.width if self.rotation % 180 else self.height


@dataclass(frozen=True)
class AudioInfo:
    codec: str
    sample_rate: int
    channels: int
    bit_rate: int | None
    duration_us: int | None
    stream_index: int


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    format_name: str
    duration_us: int
    size_bytes: int
    bit_rate: int | None
    video: VideoInfo | None
    audio: AudioInfo | None

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        return self.audio is not None

    @property
    def is_mp4_family(self) -> bool:
        return "mp4" in self.format_name or "mov" in self.format_name


@dataclass(frozen=True)
class SniffResult:
    type: Literal["audio", "video"]
    extension: str
    content_type: str


# AVColor* enums as ffmpeg's option names, for the values that occur in practice.
_PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 9: "bt2020"}
_TRC = {
    1: "bt709",
    4: "gamma22",
    5: "gamma28",
    6: "smpte170m",
    7: "smpte240m",
    13: "iec61966-2-1",
    14: "bt2020-10",
    15: "bt2020-12",
    16: "smpte2084",
    18: "arib-std-b67",
}
_SPACE = {1: "bt709", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 9: "bt2020nc", 10: "bt2020c"}
_RANGE = {1: "tv", 2: "pc"}


def probe(path: Path) -> MediaInfo:
    """Read container and first audio/video stream parameters. Raises `MediaUnreadable`."""
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise MediaUnreadable(f"cannot open the media: {exc}") from exc
    try:
        return _probe_open(path, container)
    except MediaUnreadable:
        raise
    except (av.error.FFmpegError, ValueError, OverflowError) as exc:
        raise MediaUnreadable(f"cannot read the media: {exc}") from exc
    finally:
        container.close()


def _probe_open(path: Path, container: Any) -> MediaInfo:
    video_stream = container.streams.video[0] if container.streams.video else None
    audio_stream = container.streams.audio[0] if container.streams.audio else None
    audio = _audio_info(audio_stream) if audio_stream is not None else None
    video = _video_info(container, video_stream) if video_stream is not None else None
    if video is None and audio is None:
        raise NoMediaStreams("the media has no audio or video stream")
    duration_us = _container_duration_us(container, video, audio)
    if duration_us <= 0:
        raise MediaUnreadable("the media has no playable duration")
    return MediaInfo(
        path=path,
        format_name=str(container.format.name),
        duration_us=duration_us,
        size_bytes=path.stat().st_size,
        bit_rate=int(container.bit_rate) or None,
        video=video,
        audio=audio,
    )


def _container_duration_us(container: Any, video: VideoInfo | None, audio: AudioInfo | None) -> int:
    if container.duration is not None and container.duration > 0:
        return int(container.duration)
    stream_durations = [s.duration_us for s in (video, audio) if s and s.duration_us]
    return max(stream_durations, default=0)


def _stream_duration_us(stream: Any) -> int | None:
    if stream.duration is None or stream.time_base is None:
        return None
    return int(stream.duration * stream.time_base * US_PER_SECOND)


def _audio_info(stream: Any) -> AudioInfo | None:
    ctx = stream.codec_context
    if not ctx.sample_rate:
        return None
    return AudioInfo(
        codec=str(ctx.codec.canonical_name),
        sample_rate=int(ctx.sample_rate),
        channels=int(ctx.channels) or 1,
        bit_rate=int(ctx.bit_rate or stream.bit_rate or 0) or None,
        duration_us=_stream_duration_us(stream),
        stream_index=int(stream.index),
    )


def _video_info(container: Any, stream: Any) -> VideoInfo | None:
    ctx = stream.codec_context
    if not ctx.width or not ctx.height:
        return None
    if stream.disposition & av.stream.Disposition.attached_pic:
        return None  # cover art of an audio file, not a video track
    avg = Fraction(stream.average_rate) if stream.average_rate else None
    real = Fraction(stream.base_rate) if stream.base_rate else None
    first = _first_frame(container, stream)
    rotation = _rotation(stream, first)
    gop = _gop_frames(container, stream)
    return VideoInfo(
        codec=str(ctx.codec.canonical_name),
        profile=str(ctx.profile) if ctx.profile else None,
        level=int(ctx.level) if ctx.level and ctx.level > 0 else None,
        width=int(ctx.width),
        height=int(ctx.height),
        pix_fmt=str(ctx.pix_fmt) if ctx.pix_fmt else None,
        avg_frame_rate=avg,
        r_frame_rate=real,
        is_vfr=avg is not None and real is not None and avg != real,
        time_base=Fraction(stream.time_base) if stream.time_base else None,
        rotation=rotation,
        color_primaries=_PRIMARIES.get(int(ctx.color_primaries or 0)),
        color_trc=_TRC.get(int(ctx.color_trc or 0)),
        colorspace=_SPACE.get(int(ctx.colorspace or 0)),
        color_range=_RANGE.get(int(ctx.color_range or 0)),
        bit_rate=int(ctx.bit_rate or stream.bit_rate or 0) or None,
        has_b_frames=bool(ctx.has_b_frames),
        gop_frames=gop,
        duration_us=_stream_duration_us(stream),
        frame_count=int(stream.frames) or None,
        stream_index=int(stream.index),
        start_us=_relative_start_us(container, stream),
    )


def _relative_start_us(container: Any, stream: Any) -> int:
    if stream.start_time is None or stream.time_base is None:
        return 0
    start = int(stream.start_time * stream.time_base * US_PER_SECOND)
    return start - int(container.start_time or 0)


def _first_frame(container: Any, stream: Any) -> Any | None:
    frame = None
    try:
        frame = next(iter(container.decode(stream)), None)
        container.seek(0, stream=stream)
    except (av.error.FFmpegError, StopIteration):
        pass
    return frame


def _rotation(stream: Any, first_frame: Any | None) -> int:
    """Rotation in degrees (0/90/180/270, counter-clockwise like ffmpeg's display matrix)."""
    degrees = 0.0
    frame_rotation = getattr(first_frame, "rotation", None) if first_frame is not None else None
    if frame_rotation:
        degrees = float(frame_rotation)
    elif "rotate" in stream.metadata:
        try:
            degrees = -float(stream.metadata["rotate"])
        except ValueError:
            degrees = 0.0
    return int(round(degrees / 90.0)) * 90 % 360


def _gop_frames(container: Any, stream: Any) -> int | None:
    entries = stream.index_entries
    if entries is not None and len(entries) > 1:
        positions = [
            i for i in range(min(len(entries), _GOP_SCAN_PACKETS)) if entries[i].is_keyframe
        ]
        if len(positions) >= 2:
            return positions[1] - positions[0]
        return None
    return _gop_from_packets(container, stream)


def _gop_from_packets(container: Any, stream: Any) -> int | None:
    keyframes: list[int] = []
    try:
        for i, packet in enumerate(container.demux(stream)):
            if i >= _GOP_SCAN_PACKETS or len(keyframes) >= 2:
                break
            if packet.is_keyframe:
                keyframes.append(i)
    except av.error.FFmpegError:
        return None
    return keyframes[1] - keyframes[0] if len(keyframes) >= 2 else None


# ---------------------------------------------------------------------------------------------
# Sniffing


_ISO_AUDIO_BRANDS = {"M4A ", "M4B ", "M4P ", "F4A ", "F4B "}
_MOV_BRANDS = {"qt  "}


SNIFF_BYTES = 4096
"""How much of a file's beginning `sniff` looks at."""


def sniff(head: bytes) -> SniffResult | None:
    """Recognise an audio/video container from its first bytes (>= 64 recommended)."""
    for detector in (_sniff_iso, _sniff_riff, _sniff_ebml, _sniff_simple, _sniff_mpeg_audio):
        result = detector(head)
        if result is not None:
            return result
    return None


def _sniff_iso(head: bytes) -> SniffResult | None:
    if len(head) < 12 or head[4:8] not in (b"ftyp", b"moov", b"mdat", b"wide", b"free"):
        return None
    if head[4:8] != b"ftyp":
        return SniffResult("video", "mov", "video/quicktime")
    brand = head[8:12].decode("latin-1")
    box_size = int.from_bytes(head[0:4], "big")
    compatible = [
        head[i : i + 4].decode("latin-1") for i in range(16, min(box_size, len(head)) - 3, 4)
    ]
    if brand in _ISO_AUDIO_BRANDS:
        return SniffResult("audio", "m4a", "audio/mp4")
    if brand in _MOV_BRANDS:
        return SniffResult("video", "mov", "video/quicktime")
    if brand.startswith("3g"):
        return SniffResult("video", "3gp", "video/3gpp")
    if brand in ("crx ", "heic", "mif1", "msf1", "avif", "jp2 "):
        return None  # ISO BMFF images, not media we can cut
    if "M4A " in compatible and brand not in ("isom", "mp41", "mp42", "avc1"):
        return SniffResult("audio", "m4a", "audio/mp4")
    return SniffResult("video", "mp4", "video/mp4")


def _sniff_riff(head: bytes) -> SniffResult | None:
    if len(head) < 12 or head[0:4] not in (b"RIFF", b"RF64"):
        return None
    kind = head[8:12]
    if kind == b"WAVE":
        return SniffResult("audio", "wav", "audio/wav")
    if kind == b"AVI ":
        return SniffResult("video", "avi", "video/x-msvideo")
    return None


def _sniff_ebml(head: bytes) -> SniffResult | None:
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return None
    window = head[:SNIFF_BYTES]
    if b"webm" not in window:
        return SniffResult("video", "mkv", "video/x-matroska")
    # Track codec ids may be past the bytes we got; without a video track in sight assume video.
    if b"A_" in window and b"V_" not in window:
        return SniffResult("audio", "webm", "audio/webm")
    return SniffResult("video", "webm", "video/webm")


def _sniff_simple(head: bytes) -> SniffResult | None:
    if head.startswith(b"fLaC"):
        return SniffResult("audio", "flac", "audio/flac")
    if head.startswith(b"OggS"):
        if b"theora" in head[:512]:
            return SniffResult("video", "ogv", "video/ogg")
        return SniffResult("audio", "ogg", "audio/ogg")
    if head.startswith(b"ID3"):
        return _sniff_after_id3(head)
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return SniffResult("audio", "aiff", "audio/aiff")
    if len(head) >= 4 and head[0] == 0x47 and (len(head) < 189 or head[188] == 0x47):
        return SniffResult("video", "ts", "video/mp2t") if len(head) >= 189 else None
    return None


def _sniff_after_id3(head: bytes) -> SniffResult:
    # ID3v2 is used by MP3 and, rarely, by raw AAC; the tag can be long, so default to MP3.
    size = 10
    if len(head) >= 10:
        s = head[6:10]
        size += (s[0] << 21) | (s[1] << 14) | (s[2] << 7) | s[3]
    if len(head) > size + 2 and _is_adts(head[size:]):
        return SniffResult("audio", "aac", "audio/aac")
    return SniffResult("audio", "mp3", "audio/mpeg")


def _is_adts(data: bytes) -> bool:
    return len(data) >= 7 and data[0] == 0xFF and (data[1] & 0xF6) == 0xF0


def _is_mpeg_audio_frame(data: bytes) -> bool:
    if len(data) < 4 or data[0] != 0xFF or (data[1] & 0xE0) != 0xE0:
        return False
    version = (data[1] >> 3) & 0x3
    layer = (data[1] >> 1) & 0x3
    bitrate = (data[2] >> 4) & 0xF
    rate = (data[2] >> 2) & 0x3
    return version != 1 and layer != 0 and bitrate not in (0, 0xF) and rate != 3


def _sniff_mpeg_audio(head: bytes) -> SniffResult | None:
    if _is_adts(head):
        return SniffResult("audio", "aac", "audio/aac")
    if _is_mpeg_audio_frame(head):
        return SniffResult("audio", "mp3", "audio/mpeg")
    if re.match(rb"\x00\x00\x01[\xba\xb3]", head):
        return SniffResult("video", "mpg", "video/mpeg")
    return None
