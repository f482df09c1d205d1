"""Spoken test media and ready input assets seeded straight into the database and storage (as
assets.prepare leaves them), for the /api/v1 pipeline tests."""

from __future__ import annotations

from pathlib import Path

from media import SeededAsset, seed_asset, talking_head, write_speech_wav
from roughy.jobs import Runtime
from support import make_media

__all__ = ["seed_input", "talking_head", "long_video", "write_speech_wav"]


def long_video(directory: Path, seconds: int = 30, size: str = "1280x720") -> Path:
    """A longer clip (tone audio) whose re-encode takes a while: for cancelling a render."""
    out = directory / f"long-{seconds}-{size}.mp4"
    return make_media(
        out,
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=300:sample_rate=48000:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50",
        "-c:a", "aac", "-shortest",
    )  # fmt: skip


async def seed_input(runtime: Runtime, user_id: str, source: Path) -> SeededAsset:
    """A project and a ready /api/v1 asset: source bytes, 16 kHz analysis WAV, probe facts."""
    return await seed_asset(runtime, user_id, source, surface="legacy")
