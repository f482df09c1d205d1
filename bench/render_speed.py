"""Render speed: smart render vs full re-encode vs ffmpeg's own encode of the same kept frames.

    .venv/bin/python bench/render_speed.py [--short] [--only 10min|60min]

Sources (testsrc2 + tone, H.264 with a 2 s closed GOP and B-frames) are generated once and cached
under bench/out/. Each variant runs in its own Python subprocess so that its peak RSS, and the
peak RSS of its ffmpeg children, are measured separately. The last line is the summary ratios.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg

from roughy.engine.probe import MediaInfo, probe
from roughy.engine.render import OutputSpec, plan_render, render
from roughy.engine.render.plan import X264_CRF, X264_PRESET
from roughy.engine.types import CutDocument, Span

OUT = Path(__file__).resolve().parent / "out"
FFMPEG = Path(imageio_ffmpeg.get_ffmpeg_exe())
SEGMENTS = 40


@dataclass(frozen=True)
class SourceSpec:
    name: str
    size: str
    rate: int
    seconds: int


SOURCES = {
    "10min": SourceSpec("src_1080p30_10min", "1920x1080", 30, 600),
    "60min": SourceSpec("src_720p30_60min", "1280x720", 30, 3600),
}


def ensure_source(spec: SourceSpec, short: bool) -> Path:
    seconds = spec.seconds // 5 if short else spec.seconds
    path = OUT / f"{spec.name}{'_short' if short else ''}.mp4"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"generating {path.name} ({seconds} s)...", flush=True)
    tmp = path.with_suffix(".tmp.mp4")
    subprocess.run(
        [
            str(FFMPEG),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={spec.size}:rate={spec.rate}:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "superfast",
            "-crf",
            "23",
            "-pix_fmt",
            "yuv420p",
            "-g",
            str(2 * spec.rate),
            "-keyint_min",
            str(2 * spec.rate),
            "-sc_threshold",
            "0",
            "-c:a",
            "aac",
            "-b:a",
            "128k",
            "-movflags",
            "+faststart",
            str(tmp),
        ],
        check=True,
    )
    tmp.replace(path)
    return path


def make_cut(duration_us: int, seed: int = 7) -> CutDocument:
    """40 kept spans with cut points off the GOP grid; about a quarter of the source removed."""
    rng = random.Random(seed)
    window = duration_us // SEGMENTS
    spans = []
    for i in range(SEGMENTS):
        start = i * window + rng.randint(0, window // 8)
        end = (i + 1) * window - rng.randint(window // 8, window // 3)
        spans.append(Span(start, end))
    return CutDocument(duration_us, tuple(spans), (), (), "")


def reference_argv(source: Path, cut: CutDocument, dest: Path) -> list[str]:
    """ffmpeg's plain encode of the same kept frames: select/aselect, same x264 settings."""
    info = probe(source)
    plan = plan_render(info, cut, OutputSpec("mp4"), ffmpeg=FFMPEG, output_path=dest)
    rate = plan.frame_rate
    assert rate is not None and plan.video_kbps and plan.audio_kbps
    frames = "+".join(
        f"between(n\\,{s.frame_start}\\,{(s.frame_end or 0) - 1})" for s in plan.segments
    )
    times = "+".join(
        f"between(t\\,{float(Fraction(s.frame_start or 0) / rate):.6f}\\,"
        f"{float(Fraction(s.frame_end or 0) / rate):.6f})"
        for s in plan.segments
    )
    return [
        str(FFMPEG),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(source),
        "-vf",
        f"select='{frames}',setpts=N/FRAME_RATE/TB",
        "-af",
        f"aselect='{times}',asetpts=N/SR/TB",
        "-c:v",
        "libx264",
        "-preset",
        X264_PRESET,
        "-crf",
        X264_CRF,
        "-maxrate",
        f"{plan.video_kbps}k",
        "-bufsize",
        f"{2 * plan.video_kbps}k",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(round(rate * 2)),
        "-c:a",
        "aac",
        "-b:a",
        f"{plan.audio_kbps}k",
        "-movflags",
        "+faststart",
        str(dest),
    ]


def worker(mode: str, source: Path, dest: Path) -> None:
    cut = make_cut(probe(source).duration_us)
    started = time.monotonic()
    if mode == "reference":
        subprocess.run(reference_argv(source, cut, dest), check=True)
        smart_used = False
    else:
        result = render(source, cut, OutputSpec("mp4"), dest, ffmpeg=FFMPEG, smart=mode == "smart")
        smart_used = result.used_smart_render
    elapsed = time.monotonic() - started
    out = probe(dest)
    print(
        json.dumps(
            {
                "mode": mode,
                "seconds": elapsed,
                "smart_used": smart_used,
                "frames": out.video.frame_count if out.video else None,
                "duration_us": out.duration_us,
                "av_drift_ms": _av_drift_ms(out),
                "cpu_seconds": _cpu_seconds(),
                "self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    )


def _av_drift_ms(info: MediaInfo) -> float | None:
    """End-of-file gap between the audio and video streams of the output."""
    if info.video is None or info.audio is None:
        return None
    if info.video.duration_us is None or info.audio.duration_us is None:
        return None
    return abs(info.video.duration_us - info.audio.duration_us) / 1000


def _cpu_seconds() -> float:
    """CPU time of this process and its ffmpeg children: comparable when the machine is shared."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_variant(mode: str, source: Path) -> dict[str, float]:
    dest = OUT / f"{source.stem}.{mode}.mp4"
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", mode, str(source), str(dest)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    dest.unlink(missing_ok=True)
    return result


def bench_source(source: Path) -> tuple[float, float, float]:
    info = probe(source)
    kept = make_cut(info.duration_us).kept_duration_us / 1e6
    print(
        f"\n{source.name}: {info.duration_us / 1e6:.0f} s source, {SEGMENTS} segments, "
        f"{kept:.0f} s kept",
        flush=True,
    )
    results = {mode: run_variant(mode, source) for mode in ("smart", "full", "reference")}
    for mode, r in results.items():
        print(
            f"  {mode:9s} {r['seconds']:7.1f} s wall {r['cpu_seconds']:7.1f} s CPU  "
            f"frames={r['frames']}  A/V drift at end={r['av_drift_ms']} ms  "
            f"smart_used={r['smart_used']}  peak RSS python={r['self_rss_mb']:.0f} MB "
            f"ffmpeg={r['child_rss_mb']:.0f} MB",
            flush=True,
        )
    speedup = results["full"]["seconds"] / results["smart"]["seconds"]
    overhead = results["full"]["seconds"] / results["reference"]["seconds"]
    cpu_speedup = results["full"]["cpu_seconds"] / results["smart"]["cpu_seconds"]
    cpu_overhead = results["full"]["cpu_seconds"] / results["reference"]["cpu_seconds"]
    peak = max(max(r["self_rss_mb"], r["child_rss_mb"]) for r in results.values())
    print(
        f"  smart vs full: {speedup:.2f}x faster ({cpu_speedup:.2f}x in CPU time); "
        f"full vs ffmpeg encode: {overhead:.2f}x ({cpu_overhead:.2f}x in CPU time); "
        f"frames equal: {len({r['frames'] for r in results.values()}) == 1}",
        flush=True,
    )
    return speedup, overhead, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true", help="sources 1/5 as long")
    parser.add_argument("--only", choices=sorted(SOURCES))
    parser.add_argument("--worker", nargs=3, metavar=("MODE", "SOURCE", "DEST"))
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]), Path(args.worker[2]))
        return
    keys = [args.only] if args.only else list(SOURCES)
    sources = [ensure_source(SOURCES[k], args.short) for k in keys]
    results = [bench_source(s) for s in sources]
    summary = "; ".join(
        f"{s.stem}: smart/full speedup {sp:.2f}x, full/ffmpeg {ov:.2f}x, peak {pk:.0f} MB"
        for s, (sp, ov, pk) in zip(sources, results, strict=True)
    )
    print(f"ratio: {summary}")


if __name__ == "__main__":
    main()
