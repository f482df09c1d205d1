"""Locating ffmpeg and the one place where ffmpeg processes are run."""

from __future__ import annotations

import collections
import shutil
import subprocess
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from roughy.engine.errors import FfmpegFailed, FfmpegMissing
from roughy.engine.types import CancelCheck, EngineCancelled, ProgressCallback

_STDERR_TAIL_LINES = 40
_POLL_SECONDS = 0.1
_KILL_WAIT_SECONDS = 5.0


def find_ffmpeg(configured: str | None = None) -> Path:
    """The configured ffmpeg, else `ffmpeg` on PATH, else the imageio-ffmpeg bundled binary."""
    if configured:
        path = Path(configured)
        resolved = path if path.is_file() else shutil.which(configured)
        if not resolved:
            raise FfmpegMissing(f"configured ffmpeg not found: {configured}")
        return Path(resolved)
    on_path = shutil.which("ffmpeg")
    if on_path:
        return Path(on_path)
    try:
        import imageio_ffmpeg

        return Path(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise FfmpegMissing("no ffmpeg binary available") from exc


def run_ffmpeg(
    argv: list[str],
    *,
    duration_us: int | None = None,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    cleanup: Iterable[Path] = (),
) -> None:
    """Run one ffmpeg command line to completion.

    `argv[0]` is the ffmpeg binary; `-progress pipe:1 -nostats` is added so progress can be
    reported as a fraction of `duration_us` (output time). When `should_cancel` returns True the
    process is killed, the `cleanup` paths are removed and `EngineCancelled` is raised. A non-zero
    exit removes the `cleanup` paths and raises `FfmpegFailed`.
    """
    full = [argv[0], "-hide_banner", "-nostdin", "-progress", "pipe:1", "-nostats", *argv[1:]]
    try:
        proc = subprocess.Popen(
            full, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    except OSError as exc:
        raise FfmpegFailed(f"cannot start ffmpeg: {exc}") from exc
    tail: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
    progress_us = [0]
    readers = [
        threading.Thread(target=_read_progress, args=(proc.stdout, progress_us), daemon=True),
        threading.Thread(target=_read_tail, args=(proc.stderr, tail), daemon=True),
    ]
    for reader in readers:
        reader.start()
    cancelled = _wait(proc, duration_us, progress_us, on_progress, should_cancel)
    for reader in readers:
        reader.join(timeout=2.0)
    if cancelled:
        _remove(cleanup)
        raise EngineCancelled("render cancelled")
    if proc.returncode != 0:
        _remove(cleanup)
        message = "\n".join(tail).strip()[-4000:]
        raise FfmpegFailed(f"ffmpeg exited with {proc.returncode}: {message}")
    if on_progress is not None:
        on_progress(1.0)


def _wait(
    proc: subprocess.Popen[bytes],
    duration_us: int | None,
    progress_us: list[int],
    on_progress: ProgressCallback | None,
    should_cancel: CancelCheck | None,
) -> bool:
    """Poll until exit; returns True when the process was killed because of cancellation."""
    reported = -1.0
    while proc.poll() is None:
        if should_cancel is not None and should_cancel():
            proc.kill()
            proc.wait(timeout=_KILL_WAIT_SECONDS)
            return True
        if on_progress is not None and duration_us:
            fraction = min(0.999, max(0.0, progress_us[0] / duration_us))
            if fraction - reported >= 0.001:
                reported = fraction
                on_progress(fraction)
        try:
            proc.wait(timeout=_POLL_SECONDS)  # returns as soon as ffmpeg exits
        except subprocess.TimeoutExpired:
            pass
    return False


def _read_progress(stream: IO[bytes] | None, progress_us: list[int]) -> None:
    if stream is None:
        return
    for raw in stream:
        key, _, value = raw.decode("utf-8", "replace").strip().partition("=")
        if key == "out_time_us" and value.lstrip("-").isdigit():
            progress_us[0] = max(progress_us[0], int(value))


def _read_tail(stream: IO[bytes] | None, tail: collections.deque[str]) -> None:
    if stream is None:
        return
    for raw in stream:
        tail.append(raw.decode("utf-8", "replace").rstrip())


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
