"""Shared by the /v1 cuts, renders, webhooks and e2e tests: spoken test media and assets seeded
straight into the database and storage (bypassing uploads)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from media import SeededAsset, seed_asset, talking_head, write_speech_wav

__all__ = ["SeededAsset", "seed_asset", "speech_m4a", "talking_head_mp4", "make_silent_video"]


def ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def talking_head_mp4(directory: Path) -> Path:
    """A 160x120 25 fps H.264 + AAC clip whose sound track is synthesized speech."""
    return talking_head(directory)


def speech_m4a(directory: Path) -> Path:
    wav = write_speech_wav(directory / "speech-a.wav")
    out = directory / "speech.m4a"
    subprocess.run(
        [
            ffmpeg(),
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(wav),
            "-c:a",
            "aac",
            "-ar",
            "48000",
            str(out),
        ],
        check=True,
    )
    return out


def make_silent_video(path: Path) -> Path:
    subprocess.run(
        [
            ffmpeg(),
            "-y",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=25:duration=1",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=48000:cl=mono",
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            str(path),
        ],
        check=True,
    )
    return path
