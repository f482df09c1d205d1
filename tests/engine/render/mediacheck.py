"""Measuring rendered files: decoded frame counts, decoded audio, PSNR."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import av
import numpy as np


def decoded_frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(container.streams.video[0]))


def decoded_audio(path: Path) -> tuple[np.ndarray, int]:
    """First channel as float32 and the sample rate."""
    chunks: list[np.ndarray] = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = int(stream.codec_context.sample_rate)
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=rate)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray()[0])
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray()[0])
    return np.concatenate(chunks).astype(np.float32), rate


def codec_names(path: Path) -> tuple[str | None, str | None]:
    with av.open(str(path)) as container:
        v = (
            container.streams.video[0].codec_context.codec.canonical_name
            if container.streams.video
            else None
        )
        a = (
            container.streams.audio[0].codec_context.codec.canonical_name
            if container.streams.audio
            else None
        )
    return v, a


def psnr(ffmpeg: Path, a: Path, b: Path) -> float:
    proc = subprocess.run(
        [
            str(ffmpeg),
            "-hide_banner",
            "-i",
            str(a),
            "-i",
            str(b),
            "-lavfi",
            "[0:v][1:v]psnr",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"average:([0-9.]+|inf)", proc.stderr)
    assert match, proc.stderr[-2000:]
    return float("inf") if match.group(1) == "inf" else float(match.group(1))


def min_frame_psnr(ffmpeg: Path, a: Path, b: Path) -> float:
    """The worst frame's PSNR: one frame out of place in moving footage scores far below 30."""
    log = a.with_suffix(".psnr.log")
    subprocess.run(
        [
            str(ffmpeg), "-hide_banner", "-loglevel", "error", "-i", str(a), "-i", str(b),
            "-lavfi", f"[0:v][1:v]psnr=stats_file={log}", "-f", "null", "-",
        ],
        check=True,
    )  # fmt: skip
    values = re.findall(r"psnr_avg:([0-9.]+|inf)", log.read_text())
    assert values
    return min(float("inf") if v == "inf" else float(v) for v in values)
