"""Shared by the /v1 cuts, renders, webhooks and e2e tests: spoken test media and assets seeded
straight into the database and storage (bypassing uploads)."""

from __future__ import annotations

from pathlib import Path

from media import SeededAsset, seed_asset, talking_head, write_speech_wav
from support import make_media

__all__ = ["SeededAsset", "seed_asset", "speech_m4a", "talking_head_mp4", "make_silent_video"]


def talking_head_mp4(directory: Path) -> Path:
    """A 160x120 25 fps H.264 + AAC clip whose sound track is synthesized speech."""
    return talking_head(directory)


def speech_m4a(directory: Path) -> Path:
    wav = write_speech_wav(directory / "speech-a.wav")
    return make_media(directory / "speech.m4a", "-i", str(wav), "-c:a", "aac", "-ar", "48000")


def make_silent_video(path: Path) -> Path:
    return make_media(
        path,
        "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1",
        "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "1",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
    )  # fmt: skip
