"""probe() on generated media and sniff() on real and non-media headers."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg
import pytest

from roughy.engine.probe import SniffResult, probe, sniff
from roughy.engine.types import MediaUnreadable

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
TONE = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=0.5"]
PICTURE = ["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=0.5"]


def make(path: Path, *args: str) -> Path:
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args, str(path)], check=True
    )
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("probe")
    h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "5", "-pix_fmt", "yuv420p"]
    files = {
        "mp4": make(d / "a.mp4", *PICTURE, *TONE, *h264, "-c:a", "aac", "-b:a", "96k"),
        "mov": make(d / "a.mov", *PICTURE, *TONE, *h264, "-c:a", "aac"),
        "m4a": make(d / "a.m4a", *TONE, "-c:a", "aac"),
        "webm": make(
            d / "a.webm",
            *PICTURE,
            *TONE,
            "-c:v",
            "libvpx",
            "-deadline",
            "realtime",
            "-c:a",
            "libopus",
        ),
        "mkv": make(d / "a.mkv", *PICTURE, *TONE, *h264, "-c:a", "aac"),
        "wav": make(d / "a.wav", *TONE),
        "mp3": make(d / "a.mp3", *TONE, "-c:a", "libmp3lame"),
        "mp3_raw": make(
            d / "raw.mp3", *TONE, "-c:a", "libmp3lame", "-id3v2_version", "0", "-write_xing", "0"
        ),
        "flac": make(d / "a.flac", *TONE),
        "ogg": make(d / "a.ogg", *TONE, "-c:a", "libvorbis"),
        "aac": make(d / "a.aac", *TONE, "-c:a", "aac", "-f", "adts"),
        "avi": make(d / "a.avi", *PICTURE, *TONE, *h264, "-c:a", "libmp3lame"),
    }
    files["rotated"] = make(
        d / "rot.mp4", "-display_rotation:v:0", "270", "-i", str(files["mp4"]), "-c", "copy"
    )
    return files


def test_probe_reads_container_and_streams(media: dict[str, Path]) -> None:
    info = probe(media["mp4"])
    assert "mp4" in info.format_name and info.is_mp4_family
    assert info.has_video and info.has_audio
    assert 480_000 <= info.duration_us <= 560_000
    assert info.size_bytes == media["mp4"].stat().st_size and info.bit_rate
    v, a = info.video, info.audio
    assert v is not None and a is not None
    assert (v.codec, v.width, v.height, v.pix_fmt) == ("h264", 160, 120, "yuv420p")
    assert v.profile and v.level
    assert v.avg_frame_rate == v.r_frame_rate == v.frame_rate == Fraction(25)
    assert not v.is_vfr and v.rotation == 0 and v.gop_frames == 5
    assert v.time_base is not None and v.frame_count == 13  # 0.5 s at 25 fps: frames 0 to 480 ms
    assert (a.codec, a.sample_rate, a.channels) == ("aac", 44100, 1)
    assert a.bit_rate is not None and 60_000 < a.bit_rate < 110_000


def test_probe_rotation_swaps_display_size(media: dict[str, Path]) -> None:
    v = probe(media["rotated"]).video
    assert v is not None and v.rotation == 270
    assert (v.display_width, v.display_height) == (120, 160)


@pytest.mark.parametrize("kind", ["m4a", "wav", "mp3", "flac", "ogg", "aac"])
def test_probe_audio_only(media: dict[str, Path], kind: str) -> None:
    info = probe(media[kind])
    assert info.has_audio and not info.has_video
    assert info.audio is not None and info.audio.sample_rate == 44100
    assert 400_000 < info.duration_us < 700_000


def test_garbage_is_unreadable(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x01not a media file at all" * 100)
    with pytest.raises(MediaUnreadable) as err:
        probe(garbage)
    assert err.value.code == "media_unreadable"
    assert "Invalid data" in err.value.message
    assert "garbage.mp4" in str(err.value) and "garbage.mp4" not in err.value.message


def test_truncated_mp4_is_unreadable(media: dict[str, Path], tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(media["mp4"].read_bytes()[:200])
    with pytest.raises(MediaUnreadable):
        probe(cut)


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(MediaUnreadable):
        probe(tmp_path / "nope.mp4")


def test_file_without_media_streams(tmp_path: Path) -> None:
    subs = tmp_path / "subs.mkv"
    srt = tmp_path / "a.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n")
    make(subs, "-i", str(srt))
    with pytest.raises(MediaUnreadable) as err:
        probe(subs)
    assert err.value.code == "no_media_streams"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("mp4", SniffResult("video", "mp4", "video/mp4")),
        ("mov", SniffResult("video", "mov", "video/quicktime")),
        ("m4a", SniffResult("audio", "m4a", "audio/mp4")),
        ("webm", SniffResult("video", "webm", "video/webm")),
        ("mkv", SniffResult("video", "mkv", "video/x-matroska")),
        ("wav", SniffResult("audio", "wav", "audio/wav")),
        ("mp3", SniffResult("audio", "mp3", "audio/mpeg")),
        ("mp3_raw", SniffResult("audio", "mp3", "audio/mpeg")),
        ("flac", SniffResult("audio", "flac", "audio/flac")),
        ("ogg", SniffResult("audio", "ogg", "audio/ogg")),
        ("aac", SniffResult("audio", "aac", "audio/aac")),
        ("avi", SniffResult("video", "avi", "video/x-msvideo")),
    ],
)
def test_sniff_real_headers(media: dict[str, Path], kind: str, expected: SniffResult) -> None:
    assert sniff(media[kind].read_bytes()[:64]) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 56,
        b"%PDF-1.7\n" + b"\x00" * 55,
        b"PK\x03\x04" + b"\x00" * 60,
        b"hello, this is just a text file that someone uploaded by mistake!",
        b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 54,
        b"\x00\x00\x00\x1cftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 36,
        b"",
    ],
)
def test_sniff_non_media(head: bytes) -> None:
    assert sniff(head) is None
