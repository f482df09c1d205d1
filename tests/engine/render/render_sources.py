"""Tiny generated sources for render tests: made once per session with the bundled ffmpeg."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import pytest

FFMPEG = Path(imageio_ffmpeg.get_ffmpeg_exe())


def run(*args: str) -> None:
    subprocess.run([str(FFMPEG), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def lavfi_av(size: str, rate: int, seconds: float, *, freq: int = 440) -> list[str]:
    return [
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate={rate}:duration={seconds}",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency={freq}:sample_rate=48000:duration={seconds}",
    ]


X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-b:a", "128k"]


@dataclass(frozen=True)
class Sources:
    landscape: Path  # 320x240 25 fps, 4 s, B-frames, 1 s GOP, 440 Hz tone
    vertical: Path  # 240x320 coded portrait, 2 s
    rotated: Path  # landscape with a 90 degree display matrix
    vfr: Path  # nominal 30 fps with every 10th frame missing
    hd: Path  # 1920x1080 10 fps, 1 s
    hd_vertical: Path  # 1080x1920 10 fps, 1 s
    audio_only: Path  # m4a tone, 3 s
    gop_source: Path  # 320x240 25 fps, 6 s, 0.5 s closed GOP with B-frames (smart render)
    long_gop: Path  # 320x240 25 fps, 6 s, a single GOP
    joined: Path  # two 3 s clips of gop_source joined with a 0.72 s timestamp gap (VFR)
    jittered: Path  # 29.97 fps nominal, stamps wander by 2.8 ms, one dropped frame (VFR)


@pytest.fixture(scope="session")
def ffmpeg_bin() -> Path:
    return FFMPEG


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    d = tmp_path_factory.mktemp("render-sources")
    landscape = d / "landscape.mp4"
    run(
        *lavfi_av("320x240", 25, 4),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-g",
        "25",
        "-pix_fmt",
        "yuv420p",
        *AAC,
        str(landscape),
    )
    vertical = d / "vertical.mp4"
    run(*lavfi_av("240x320", 25, 2), *X264, *AAC, str(vertical))
    rotated = d / "rotated.mp4"
    run("-display_rotation:v:0", "90", "-i", str(landscape), "-c", "copy", str(rotated))
    vfr = d / "vfr.mp4"
    run(
        *lavfi_av("320x240", 30, 3),
        "-vf",
        "select='not(eq(mod(n\\,10)\\,5))'",
        "-fps_mode",
        "vfr",
        *X264,
        *AAC,
        str(vfr),
    )
    hd = d / "hd.mp4"
    run(*lavfi_av("1920x1080", 10, 1), *X264, *AAC, str(hd))
    hd_vertical = d / "hd_vertical.mp4"
    run(*lavfi_av("1080x1920", 10, 1), *X264, *AAC, str(hd_vertical))
    audio_only = d / "tone.m4a"
    run(
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=44100:duration=3",
        *AAC,
        str(audio_only),
    )
    gop_source = d / "gop.mp4"
    run(
        *lavfi_av("320x240", 25, 6),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-g",
        "12",
        "-keyint_min",
        "12",
        "-sc_threshold",
        "0",
        "-pix_fmt",
        "yuv420p",
        *AAC,
        str(gop_source),
    )
    long_gop = d / "long_gop.mp4"
    run(
        *lavfi_av("320x240", 25, 6),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-g",
        "300",
        "-sc_threshold",
        "0",
        "-pix_fmt",
        "yuv420p",
        *AAC,
        str(long_gop),
    )
    return Sources(
        landscape,
        vertical,
        rotated,
        vfr,
        hd,
        hd_vertical,
        audio_only,
        gop_source,
        long_gop,
        joined_clips(d, gop_source),
        jittered_vfr(d),
    )


def joined_clips(directory: Path, source: Path) -> Path:
    """Two clips (each starting with an IDR) joined end to end, the second one 0.72 s late."""
    first, second = directory / "clip1.mp4", directory / "clip2.mp4"
    run("-i", str(source), "-t", "3", "-c", "copy", str(first))
    run("-ss", "3", "-i", str(source), "-c", "copy", str(second))
    listing = directory / "joined.ffconcat"
    listing.write_text(
        f"ffconcat version 1.0\nfile '{first.name}'\nduration 3.72\nfile '{second.name}'\n"
    )
    joined = directory / "joined.mp4"
    run("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(joined))
    return joined


def jittered_vfr(directory: Path) -> Path:
    """A phone-like variable frame rate: 90 kHz stamps off the 29.97 grid by up to 250 ticks
    and frame 100 dropped (a hole in the timeline), 0.5 s closed GOPs with B-frames."""
    path = directory / "jittered.mp4"
    run(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30000/1001:duration=8",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=8",
        "-vf", "settb=1/90000,setpts='floor(N*3003+250*sin(N*0.7))',select='not(eq(n\\,100))'",
        "-fps_mode", "passthrough", "-enc_time_base", "1/90000", "-video_track_timescale", "90000",
        "-c:v", "libx264", "-preset", "veryfast", "-g", "15", "-keyint_min", "15",
        "-sc_threshold", "0", "-pix_fmt", "yuv420p", *AAC, str(path),
    )  # fmt: skip
    return path


@pytest.fixture
def out(tmp_path: Path) -> Callable[[str], Path]:
    return lambda name: tmp_path / name
