"""Generated spoken-word episodes for bench/end_to_end.py, cached under bench/out/.

Speech is espeak-ng (the labelled cut-quality corpus: fillers, pauses, false starts, retakes),
looped to the length asked for; the picture is a synthetic 720p H.264 (testsrc2). Three kinds:

- `cfr`: 30 fps, 2 s closed GOP with B-frames, like a camera file;
- `joined`: the `cfr` file split at keyframes into 12 clips joined end to end with timestamp gaps
  of 0.4-1.6 s between them (what joining phone or screen recordings leaves behind);
- `variable`: a real variable frame rate: 29.97 fps nominal with timestamps that wander by up to
  a twelfth of a frame and a dropped frame about every 10 s, in a 90 kHz time base (a phone).
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import imageio_ffmpeg

from bench.corpus.generate import VERSION, generate

OUT = Path(__file__).resolve().parent / "out"
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
KINDS = ("cfr", "joined", "variable")
CORPUS_CLIPS = 6
CORPUS_MINUTES = 12.0
JOINED_CLIPS = 12


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def speech(minutes: float) -> Path:
    """The corpus clips back to back, looped to `minutes` (48 kHz mono AAC)."""
    target = OUT / f"e2e_speech_{minutes:g}min.m4a"
    if target.exists():
        return target
    corpus = OUT / f"corpus-v{VERSION}-{CORPUS_CLIPS}x{CORPUS_MINUTES:g}-e2e"
    metas = generate(corpus, "tuning", CORPUS_CLIPS, CORPUS_MINUTES)
    total = sum(meta["duration"] for meta in metas)
    loops = int(minutes * 60 // total) + 1
    listing = OUT / f"e2e_speech_{minutes:g}min.txt"
    clips = [(corpus / meta["audio"]).resolve() for meta in metas]
    listing.write_text("".join(f"file '{c}'\n" for _ in range(loops) for c in clips))
    ffmpeg(
        "-f", "concat", "-safe", "0", "-i", str(listing), "-t", f"{minutes * 60:g}",
        "-ar", "48000", "-ac", "1", "-c:a", "aac", "-b:a", "96k", str(target),
    )  # fmt: skip
    listing.unlink()
    return target


def _x264(gop: int) -> list[str]:
    return [
        "-c:v", "libx264", "-preset", "superfast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
    ]  # fmt: skip


def cfr(minutes: float) -> Path:
    target = OUT / f"e2e_cfr_{minutes:g}min.mp4"
    if target.exists():
        return target
    audio = speech(minutes)
    tmp = target.with_suffix(".tmp.mp4")
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={minutes * 60:g}",
        "-i", str(audio), "-map", "0:v", "-map", "1:a", *_x264(60),
        "-c:a", "copy", "-movflags", "+faststart", str(tmp),
    )  # fmt: skip
    tmp.replace(target)
    return target


def joined(minutes: float) -> Path:
    target = OUT / f"e2e_joined_{minutes:g}min.mp4"
    if target.exists():
        return target
    source = cfr(minutes)
    parts = OUT / f"e2e_joined_{minutes:g}min_parts"
    parts.mkdir(exist_ok=True)
    clip_seconds = minutes * 60 / JOINED_CLIPS
    ffmpeg(
        "-i", str(source), "-map", "0", "-c", "copy", "-f", "segment",
        "-segment_time", f"{clip_seconds:g}", "-reset_timestamps", "1",
        str(parts / "clip%03d.mp4"),
    )  # fmt: skip
    rng = random.Random(18)
    lines = ["ffconcat version 1.0"]
    for clip in sorted(parts.glob("clip*.mp4")):
        length = _duration_s(clip)
        lines += [f"file '{clip.name}'", f"duration {length + rng.uniform(0.4, 1.6):.6f}"]
    listing = parts / "joined.ffconcat"
    listing.write_text("\n".join(lines) + "\n")
    tmp = target.with_suffix(".tmp.mp4")
    ffmpeg(
        "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy",
        "-movflags", "+faststart", str(tmp),
    )  # fmt: skip
    tmp.replace(target)
    for path in parts.iterdir():
        path.unlink()
    parts.rmdir()
    return target


def variable(minutes: float) -> Path:
    target = OUT / f"e2e_variable_{minutes:g}min.mp4"
    if target.exists():
        return target
    audio = speech(minutes)
    # Frame n is stamped at n * 3003 ticks (29.97 fps) plus up to 250 ticks (2.8 ms) of
    # wander, and every 293rd frame is dropped, leaving a hole in the timeline.
    picture = (
        "settb=1/90000,setpts='floor(N*3003+250*sin(N*0.7))',select='not(eq(mod(n\\,293)\\,150))'"
    )
    tmp = target.with_suffix(".tmp.mp4")
    ffmpeg(
        "-f", "lavfi",
        "-i", f"testsrc2=size=1280x720:rate=30000/1001:duration={minutes * 60:g}",
        "-i", str(audio), "-map", "0:v", "-map", "1:a", "-vf", picture,
        "-fps_mode", "passthrough", "-enc_time_base", "1/90000",
        "-video_track_timescale", "90000", *_x264(60),
        "-c:a", "copy", "-movflags", "+faststart", str(tmp),
    )  # fmt: skip
    tmp.replace(target)
    return target


def _duration_s(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        return float(container.duration or 0) / 1_000_000


def ensure(kind: str, minutes: float) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    return {"cfr": cfr, "joined": joined, "variable": variable}[kind](minutes)
