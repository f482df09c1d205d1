"""Helpers shared by tests: accounts, waiting for background effects, media generation."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg

from roughy.auth import service as auth
from roughy.credits import service as credits
from roughy.jobs import Runtime


@dataclass
class Account:
    user_id: str
    email: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


_counter = iter(range(1, 1_000_000))


async def create_account(runtime: Runtime, *, credits_granted: int = 1000) -> Account:
    email = f"user{next(_counter)}-{time.time_ns()}@example.com"
    async with runtime.db.transaction() as session:
        user = await auth.create_user(session, email, "correct horse battery", verified=True)
        issued = await auth.issue_key(session, user, name="tests", kind=auth.KIND_API)
        if credits_granted:
            await credits.grant(session, user.id, credits_granted, memo="test")
    return Account(user_id=user.id, email=email, key=issued.plaintext)


async def wait_until(predicate: object, *, timeout: float = 30.0, interval: float = 0.1) -> None:
    """Await an async predicate until it returns truthy (for effects of background jobs)."""
    deadline = time.monotonic() + timeout
    while True:
        assert callable(predicate)
        if await predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def make_media(path: Path, *args: str) -> Path:
    """Run ffmpeg with `args` (an argv list, never a shell string) to generate a test file."""
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args, str(path)], check=True
    )
    return path


def make_tone_video(
    path: Path, seconds: float = 2.0, size: str = "320x240", rate: int = 25
) -> Path:
    return make_media(
        path,
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate={rate}:duration={seconds}",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:sample_rate=48000:duration={seconds}",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(rate),
        "-c:a",
        "aac",
        "-shortest",
    )


def make_tone_audio(path: Path, seconds: float = 2.0) -> Path:
    return make_media(
        path, "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=16000:duration={seconds}"
    )


def make_unindexed_mp4(path: Path, seconds: float = 3.0) -> Path:
    """An MP4 cut before its index (moov, at the end): it sniffs as media, then cannot be read."""
    whole = make_media(
        path.with_name(f"whole-{path.name}"),
        "-f", "lavfi", "-i", f"sine=duration={seconds}", "-c:a", "aac",
    ).read_bytes()  # fmt: skip
    path.write_bytes(whole[: whole.index(b"moov") - 4])
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
