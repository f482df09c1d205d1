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
        landscape, vertical, rotated, vfr, hd, hd_vertical, audio_only, gop_source, long_gop
    )


@pytest.fixture
def out(tmp_path: Path) -> Callable[[str], Path]:
    return lambda name: tmp_path / name
