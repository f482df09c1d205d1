"""Generated spoken-word episodes for bench/end_to_end.py, cached under bench/out/.

Speech is an espeak-ng monologue (fillers, hesitations, restarted sentences, long pauses) looped
to the length asked for; the picture is a synthetic 720p H.264 (testsrc2). Three kinds:

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

OUT = Path(__file__).resolve().parent / "out"
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
KINDS = ("cfr", "joined", "variable")
JOINED_CLIPS = 12


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


SENTENCES = (
    "Welcome back to the show, where we talk about how small teams build things that last.",
    "Today my guest and I want to talk about rivers, bridges and the people who maintain them.",
    "Most of the work happens long before anybody pours any concrete.",
    "You walk the banks, you measure the current, and you ask the town what it remembers.",
    "The old stone bridge downstream has survived three floods in a single century.",
    "Nobody planned that, it was simply built heavier than it needed to be.",
    "We keep coming back to that idea, that margins are a kind of kindness.",
    "A budget without margins is a promise that something will break.",
    "So the question for this episode is how to argue for the boring parts.",
    "Inspections, drainage, paint, the things that never make the evening news.",
    "The engineers we spoke to all said the same thing in different words.",
    "Maintenance is cheaper than repair, and repair is cheaper than replacement.",
    "Let me read you a letter a listener sent us after the last episode.",
    "She works for a county road department and fixes culverts every summer.",
    "Her team of four looks after more than two hundred small crossings.",
    "That is the kind of number that makes you stop and think for a moment.",
)
FILLERS = ("um", "uh", "you know", "so, um")


def speech(minutes: float) -> Path:
    """A four-minute espeak-ng monologue (fillers, hesitations, a restarted sentence, long
    pauses) looped to `minutes` (48 kHz mono AAC)."""
    target = OUT / f"e2e_speech_{minutes:g}min.m4a"
    if target.exists():
        return target
    wav = OUT / "e2e_monologue.wav"
    if not wav.exists():
        _monologue(wav)
    loops = int(minutes * 60 // 240) + 1
    ffmpeg(
        "-stream_loop", str(loops), "-i", str(wav), "-t", f"{minutes * 60:g}",
        "-ar", "48000", "-ac", "1", "-c:a", "aac", "-b:a", "96k", str(target),
    )  # fmt: skip
    return target


def _monologue(path: Path) -> None:
    import wave

    import numpy as np

    from bench.corpus.synth import Espeak

    espeak = Espeak.get()
    rate = espeak.sample_rate
    rng = random.Random(7)
    parts = []

    def pause(seconds: float) -> None:
        parts.append(np.zeros(int(seconds * rate), dtype=np.float32))

    for n in range(3):
        for sentence in SENTENCES:
            if rng.random() < 0.3:
                parts.append(espeak.say(rng.choice(FILLERS), rate=150).samples)
                pause(rng.uniform(0.3, 0.8))
            if rng.random() < 0.15:
                parts.append(espeak.say(" ".join(sentence.split()[:4]), rate=175).samples)
                pause(rng.uniform(0.2, 0.5))
            parts.append(espeak.say(sentence, rate=165 + 5 * n).samples)
            pause(rng.uniform(1.5, 3.5) if rng.random() < 0.12 else rng.uniform(0.3, 0.7))
    audio = np.concatenate(parts)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(audio * 0.8, -1, 1) * 32767).astype("<i2").tobytes())


def _x264(gop: int) -> list[str]:
    return [
        "-c:v", "libx264", "-preset", "superfast", "-crf", "23", "-pix_fmt", "yuv420p",
        "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
    ]  # fmt: skip


CHUNK_SECONDS = 120
"""The picture is encoded once as a two-minute chunk and repeated by stream copy (a 60-minute
source is then a copy, not an hour of encoding on a shared machine)."""
VARIABLE_PICTURE = (
    # Frame n is stamped at n * 3003 ticks (29.97 fps) plus up to 250 ticks (2.8 ms) of wander,
    # and every 293rd frame is dropped, leaving a hole in the timeline.
    "settb=1/90000,setpts='floor(N*3003+250*sin(N*0.7))',select='not(eq(mod(n\\,293)\\,150))'"
)


def _chunk(kind: str) -> Path:
    path = OUT / f"e2e_picture_{kind}_{CHUNK_SECONDS}s.mp4"
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp.mp4")
    if kind == "cfr":
        ffmpeg(
            "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={CHUNK_SECONDS}",
            *_x264(60), str(tmp),
        )  # fmt: skip
    else:
        ffmpeg(
            "-f", "lavfi",
            "-i", f"testsrc2=size=1280x720:rate=30000/1001:duration={CHUNK_SECONDS}",
            "-vf", VARIABLE_PICTURE, "-fps_mode", "passthrough", "-enc_time_base", "1/90000",
            "-video_track_timescale", "90000", *_x264(60), str(tmp),
        )  # fmt: skip
    tmp.replace(path)
    return path


def _episode(kind: str, minutes: float) -> Path:
    """The chunk repeated to `minutes` under the spoken track."""
    target = OUT / f"e2e_{kind}_{minutes:g}min.mp4"
    if target.exists():
        return target
    chunk = _chunk(kind)
    audio = speech(minutes)
    listing = OUT / f"e2e_{kind}_{minutes:g}min.ffconcat"
    repeats = int(minutes * 60 // CHUNK_SECONDS) + 1
    listing.write_text("ffconcat version 1.0\n" + f"file '{chunk.name}'\n" * repeats)
    tmp = target.with_suffix(".tmp.mp4")
    ffmpeg(
        "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(audio),
        "-map", "0:v", "-map", "1:a", "-c", "copy", "-t", f"{minutes * 60:g}",
        "-movflags", "+faststart", str(tmp),
    )  # fmt: skip
    listing.unlink()
    tmp.replace(target)
    return target


def cfr(minutes: float) -> Path:
    return _episode("cfr", minutes)


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
    return _episode("variable", minutes)


def _duration_s(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        return float(container.duration or 0) / 1_000_000


def ensure(kind: str, minutes: float) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    return {"cfr": cfr, "joined": joined, "variable": variable}[kind](minutes)
