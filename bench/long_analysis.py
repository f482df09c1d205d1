"""Memory and speed of analysing one long recording (decode, transcribe, decide) with the default
model, in a fresh process: its peak RSS and realtime factor. Used by `cut_quality --memory-hours`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CORES = 2
"""The analysis decodes on 2 one-thread decoders (WhisperOptions.cpu_threads)."""
_FULL_ANALYSIS = """
import json, resource, sys, time
from pathlib import Path
from roughy.engine.analyse import analyse
from roughy.engine.audio import extract_analysis_audio
from roughy.engine.transcribe import DEFAULT_MODEL_NAME, FasterWhisperTranscriber, whisper_model
source, wav, models = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
spec = whisper_model(DEFAULT_MODEL_NAME, models)
times = {}
t = time.perf_counter()
extract_analysis_audio(source, wav)
times["decode"] = time.perf_counter() - t
t = time.perf_counter()
analysis = analyse(wav, transcriber=FasterWhisperTranscriber(spec))
times["analyse"] = time.perf_counter() - t
transcript, doc = analysis.transcript, analysis.document
usage = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = usage.ru_maxrss // 1024
cpu = usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime
print(json.dumps({"peak_mb": peak, "cpu_s": cpu, "times": times, "words": len(transcript.words),
                  "removed": len(doc.removed), "seconds": doc.source_duration_us / 1e6,
                  "model": spec.name, "language": transcript.language}))
"""


def long_speech_file(clips: list[Path], hours: float, out: Path) -> Path:
    """The clips back to back, looped to `hours` (AAC, like an upload)."""
    import imageio_ffmpeg

    target = out / f"long_speech_{hours:g}h.m4a"
    if target.exists():
        return target
    listing = out / "long_speech.txt"
    listing.write_text("".join(f"file '{c.resolve()}'\n" for c in clips))
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-stream_loop", "-1",
        "-f", "concat", "-safe", "0", "-i", str(listing), "-t", f"{hours * 3600:g}",
        "-ac", "2", "-ar", "44100", "-c:a", "aac", "-b:a", "96k", str(target),
    ]  # fmt: skip
    subprocess.run(command, check=True)
    return target


def memory_probe(clips: list[Path], hours: float, out: Path) -> str:
    source = long_speech_file(clips, hours, out)
    wav = out / f"long_speech_{hours:g}h.16k.wav"
    result = subprocess.run(
        [sys.executable, "-c", _FULL_ANALYSIS, str(source), str(wav), str(out / "models")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(result.strip().splitlines()[-1])
    times = data["times"]
    speed = data["seconds"] / max(1e-9, sum(times.values()))
    # On a shared machine the wall clock measures the neighbours too; the CPU time the analysis
    # used, spread over the 2 cores it may use, is what it would take alone.
    alone = data["seconds"] / max(1e-9, data["cpu_s"] / CORES)
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"memory: full analysis of a {hours:g} h recording ({data['model']}, detected "
        f"{data['language']}): peak RSS {data['peak_mb']} MB, {speed:.1f}x realtime by the wall "
        f"clock, {alone:.1f}x by its CPU time over {CORES} cores (decode "
        f"{times['decode']:.0f}s, transcribe and decide {times['analyse']:.0f}s; "
        f"{data['words']} words, {data['removed']} removals; machine "
        f"load average {load})"
    )
