"""The full re-encode's speed/quality table: x264 presets and CRFs per output tier.

    .venv/bin/python bench/encoder_table.py [--seconds 20]

Each setting encodes the same frames the full path would (a spoken-word episode's picture from
bench/e2e_sources.py, scaled to the tier on the shorter edge), with all cores, and is scored by
PSNR against those exact frames (the lossless reference). Prints a Markdown table (frames per
second of CPU time, wall fps, PSNR, Mbps) per tier; the last line is each tier's chosen setting
as a speed ratio to the previous default (veryfast, CRF 20).
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, too
from bench.e2e_sources import FFMPEG, OUT, ensure

SETTINGS = (
    ("veryfast", 20),
    ("superfast", 20),
    ("superfast", 23),
    ("ultrafast", 20),
    ("ultrafast", 23),
    ("faster", 22),
)
TIERS = {"720p": 720, "1080p": 1080}
BASELINE = ("veryfast", 20)


@dataclass(frozen=True)
class Score:
    preset: str
    crf: int
    wall_fps: float
    cpu_fps: float
    psnr: float
    mbps: float


def reference(tier: str, seconds: float) -> tuple[Path, int]:
    """The tier's exact frames, losslessly (FFV1), and how many there are."""
    source = ensure("cfr", 1)
    edge = TIERS[tier]
    path = OUT / f"encoder_ref_{tier}_{seconds:g}s.mkv"
    if not path.exists():
        subprocess.run(
            [
                FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-i", str(source),
                "-t", f"{seconds:g}", "-an", "-vf", f"scale=-2:{edge}:flags=bicubic",
                "-c:v", "ffv1", str(path),
            ],
            check=True,
        )  # fmt: skip
    probe = subprocess.run(
        [FFMPEG, "-hide_banner", "-i", str(path), "-map", "0:v", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    frames = int(re.findall(r"frame=\s*(\d+)", probe.stderr)[-1])
    return path, frames


def encode(ref: Path, frames: int, preset: str, crf: int, seconds: float) -> Score:
    out = ref.with_name(f"{ref.stem}.{preset}.{crf}.mp4")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [
            FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-i", str(ref),
            "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
            "-profile:v", "high", str(out),
        ],
        check=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    scored = subprocess.run(
        [
            FFMPEG, "-hide_banner", "-i", str(out), "-i", str(ref),
            "-lavfi", "[0:v][1:v]psnr", "-f", "null", "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    psnr = float(re.findall(r"average:([0-9.]+)", scored.stderr)[-1])
    mbps = out.stat().st_size * 8 / seconds / 1e6
    out.unlink()
    return Score(preset, crf, frames / wall, frames / cpu, psnr, mbps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    chosen = []
    for tier in TIERS:
        ref, frames = reference(tier, args.seconds)
        scores = [encode(ref, frames, p, c, args.seconds) for p, c in SETTINGS]
        print(f"\n{tier} ({frames} frames)\n")
        print("| preset | CRF | fps (CPU time) | fps (wall) | PSNR dB | Mbps |")
        print("|---|---|---|---|---|---|")
        for s in scores:
            print(
                f"| {s.preset} | {s.crf} | {s.cpu_fps:.0f} | {s.wall_fps:.0f} | {s.psnr:.2f} | "
                f"{s.mbps:.2f} |"
            )
        base = next(s for s in scores if (s.preset, s.crf) == BASELINE)
        # The fastest setting that stays within 1 dB of the baseline's quality.
        good = [s for s in scores if s.psnr >= base.psnr - 1.0]
        best = max(good, key=lambda s: s.cpu_fps)
        chosen.append(f"{tier} {best.preset}/CRF {best.crf} {best.cpu_fps / base.cpu_fps:.2f}x")
    print("ratio (chosen vs veryfast/CRF 20, CPU time): " + "; ".join(chosen))


if __name__ == "__main__":
    main()
