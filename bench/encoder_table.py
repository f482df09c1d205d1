"""The full re-encode's speed/quality table: x264 presets and CRFs per output tier.

    .venv/bin/python bench/encoder_table.py [--seconds 20]

Each setting encodes the same frames (the synthetic picture of bench/e2e_sources.py at the tier's
size), with all cores (`-threads 0`) and the tier's default bitrate cap (`-maxrate`, as the
full path sets it), and is scored by PSNR against those exact
frames (the lossless reference; this ffmpeg has no libvmaf). Prints a Markdown table (frames per
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
from bench.e2e_sources import FFMPEG, OUT
from roughy.engine.render.plan import DEFAULT_VIDEO_KBPS

SETTINGS = (
    ("veryfast", 20),
    ("veryfast", 23),
    ("superfast", 20),
    ("superfast", 23),
    ("ultrafast", 20),
    ("ultrafast", 23),
    ("faster", 22),
)
TIERS = {"720p": 720, "1080p": 1080}
BASELINE = ("veryfast", 20)
N_TIMELINE = "settb=1/30,setpts=N"
ROBUST = ("veryfast", "faster")


@dataclass(frozen=True)
class Score:
    preset: str
    crf: int
    wall_fps: float
    cpu_fps: float
    psnr: float
    mbps: float


def reference(tier: str, seconds: float) -> tuple[Path, int]:
    """The tier's exact frames, losslessly (FFV1), and how many there are: the synthetic picture
    of the e2e sources (testsrc2, 30 fps) at the tier's size. (Added grain is not used: noise no
    encoder can keep caps every setting's PSNR at the same ~28 dB and hides the differences.)"""
    edge = TIERS[tier]
    size = f"{edge * 16 // 9}x{edge}"
    path = OUT / f"encoder_ref_{tier}_{seconds:g}s.mkv"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                "-i", f"testsrc2=size={size}:rate=30:duration={seconds:g}",
                "-pix_fmt", "yuv420p", "-c:v", "ffv1", str(path),
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


def encode(ref: Path, frames: int, preset: str, crf: int, seconds: float, kbps: int) -> Score:
    out = ref.with_name(f"{ref.stem}.{preset}.{crf}.mp4")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [
            FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-i", str(ref),
            "-fps_mode", "passthrough", "-c:v", "libx264", "-threads", "0", "-preset", preset,
            "-crf", str(crf), "-maxrate", f"{kbps}k", "-bufsize", f"{2 * kbps}k",
            "-pix_fmt", "yuv420p",
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
            # frame n against frame n, both in one time base: the Matroska reference's
            # millisecond stamps would otherwise pair neighbouring frames by time
            "-lavfi", f"[0:v]{N_TIMELINE}[a];[1:v]{N_TIMELINE}[b];[a][b]psnr", "-f", "null", "-",
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
        scores = [
            encode(ref, frames, p, c, args.seconds, DEFAULT_VIDEO_KBPS[TIERS[tier]])
            for p, c in SETTINGS
        ]
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
        # Only presets that hold up under a binding bitrate cap (small outputs, low requested
        # bitrates), which this table does not show: ultrafast and superfast fell to 28-31 dB
        # from the smart render in the render tests (docs/encoder-table.md).
        good = [s for s in scores if s.psnr >= base.psnr - 1.0 and s.preset in ROBUST]
        best = max(good, key=lambda s: s.cpu_fps)
        chosen.append(f"{tier} {best.preset}/CRF {best.crf} {best.cpu_fps / base.cpu_fps:.2f}x")
    print("ratio (chosen vs veryfast/CRF 20, CPU time): " + "; ".join(chosen))


if __name__ == "__main__":
    main()
