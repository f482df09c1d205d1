"""Generate the evaluation corpus: synthetic speech with labelled disfluencies and repetitions.

Text comes from templates and a topic lexicon (bench/corpus/text.py, lexicon.py), so each seed
says sentences never heard before; the tuning and validation splits use disjoint topics. Voices
come from two synthesizers (espeak-ng, formant; Piper, neural), and interview clips alternate two
speakers. Every clip has a timeline labelling each span `keep` (intended speech; a legitimate
repetition carries its kind, e.g. `rep_echo`), `drop` (with the kind an editor removes: filler,
silence, pause_mid, false_start, retake, retake_cue, stutter) or `gap` (natural pauses, neutral),
the words with their times from the synthesizer's own alignment, the clean script, and a 10 ms
mask of intended speech. All spans of one repetition (the question and its echo, the short
sentence and its restatement, a sentence and its quotation) share a `group` number.
"""

from __future__ import annotations

import json
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.corpus import text
from bench.corpus.lexicon import TOPICS, Topic
from bench.corpus.synth import Espeak, Speech

RATE = 22_050
FRAME_S = 0.01
VERSION = 3
FloatArray = npt.NDArray[np.float32]
REPETITION_KINDS = (
    "rep_echo",
    "rep_restate",
    "rep_emphasis",
    "rep_anaphora",
    "rep_again",
    "rep_quote",
)
DROP_KINDS = (
    "filler",
    "silence",
    "pause_mid",
    "false_start",
    "stutter",
    "retake",
    "retake_cue",
)
ESPEAK_VOICES = {
    "en": ("en-us", "en-gb", "en-us+f3", "en-gb+m3", "en-029", "en-us+m7", "en-gb-x-rp+f2"),
    "de": ("de", "de+f3", "de+m3", "de+f4", "de+m7"),
}
# (language, layout, engines of the speakers); clips cycle through these.
LAYOUTS = (
    ("en", "solo", ("piper",)),
    ("de", "solo", ("espeak",)),
    ("en", "interview", ("espeak", "piper")),
    ("en", "solo", ("espeak",)),
    ("de", "interview", ("espeak", "espeak")),
    ("en", "interview", ("espeak", "espeak")),
)
BEDS = (
    (),
    (("noise", -52.0),),
    (("music", -30.0),),
    (("noise", -42.0),),
    (("noise", -46.0), ("music", -28.0)),
    (("music", -23.0),),
    (("noise", -35.0),),
)


@dataclass(frozen=True)
class Voice:
    engine: str
    name: str
    rate: int = 170
    pitch: int = 50
    length_scale: float = 1.0

    def say(self, words: str, *, slow: bool = False) -> Speech:
        if self.engine == "piper":
            from bench.corpus.neural import Piper

            scale = self.length_scale * (1.8 if slow else 1.0)
            return Piper.get().say(words, length_scale=scale)
        rate = self.rate - 60 if slow else self.rate
        return Espeak.get().say(words, voice=self.name, rate=rate, pitch=self.pitch)

    def describe(self) -> str:
        return f"{self.engine}:{self.name}"


@dataclass
class Clip:
    rng: np.random.Generator
    language: str
    topic: Topic
    voices: tuple[Voice, ...]
    audio: list[FloatArray] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)
    words: list[dict[str, Any]] = field(default_factory=list)
    script: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    cursor: int = 0
    groups: int = 0

    def group(self, *spans: int) -> None:
        """Mark spans (indexes) as one repetition an editor keeps whole."""
        self.groups += 1
        for index in spans:
            self.spans[index]["group"] = self.groups

    @property
    def seconds(self) -> float:
        return self.cursor / RATE

    def speech(
        self, words: str, label: str, kind: str = "", *, speaker: int = 0, slow: bool = False
    ) -> None:
        said = self.voices[speaker].say(words, slow=slow)
        if said.sample_rate != RATE:
            raise RuntimeError(f"{self.voices[speaker].describe()} speaks at {said.sample_rate} Hz")
        samples, offset = _trim(said.samples)
        start = self.seconds
        self._append(samples)
        end = self.seconds
        self.spans.append(
            {
                "start": start,
                "end": end,
                "label": label,
                "kind": kind,
                "text": words,
                "speaker": speaker,
            }
        )
        if label == "keep":
            self._words(words, said.word_starts_s, offset / RATE, start, end)
            self.script.append(words)

    def _words(
        self, words: str, starts: tuple[float, ...], offset: float, lo: float, hi: float
    ) -> None:
        tokens = words.split()
        times = [min(hi, max(lo, lo + s - offset)) for s in starts]
        if len(times) != len(tokens):
            times = list(np.linspace(lo, hi, len(tokens), endpoint=False))
        for n, token in enumerate(tokens):
            end = times[n + 1] if n + 1 < len(times) else hi
            self.words.append({"text": token, "start": times[n], "end": end})

    def pause(self, seconds: float, label: str = "gap", kind: str = "") -> None:
        start = self.seconds
        self._append(np.zeros(int(seconds * RATE), np.float32))
        self.spans.append(
            {"start": start, "end": self.seconds, "label": label, "kind": kind, "text": ""}
        )

    def gap(self, low: float, high: float) -> None:
        self.pause(float(self.rng.uniform(low, high)))

    def long_pause(self, seconds: float, kind: str) -> None:
        """A pause an editor shortens: its middle is dropped, 0.35 s stay on each side."""
        edge = 0.35
        self.pause(edge)
        self.pause(seconds - 2 * edge, "drop", kind)
        self.pause(edge)

    def _append(self, samples: FloatArray) -> None:
        self.audio.append(samples)
        self.cursor += samples.shape[0]


def _trim(samples: FloatArray, level: float = 0.01) -> tuple[FloatArray, int]:
    loud = np.flatnonzero(np.abs(samples) > level)
    if loud.size == 0:
        return samples[:0], 0
    pad = int(0.01 * RATE)
    first = max(0, int(loud[0]) - pad)
    last = min(samples.shape[0], int(loud[-1]) + pad)
    return samples[first:last], first


def _sentence(clip: Clip, speaker: int) -> None:
    """One statement, possibly with a disfluency an editor removes, or a repetition to keep."""
    rng = clip.rng
    roll = rng.random()
    if roll < 0.30:
        _disfluent(clip, text.statement(rng, clip.topic), speaker)
    elif roll < 0.42:
        _repetition(clip, speaker)
    else:
        clip.speech(text.statement(rng, clip.topic), "keep", speaker=speaker)


def _disfluent(clip: Clip, sentence: str, speaker: int) -> None:
    rng = clip.rng
    words = sentence.split()
    kind = str(rng.choice(("filler", "false_start", "retake", "retake_cue", "stutter")))
    if kind == "filler":
        at = int(rng.integers(0, max(1, len(words) - 2)))
        if at:
            clip.speech(" ".join(words[:at]), "keep", speaker=speaker)
            clip.gap(0.15, 0.4)
        clip.speech(text.filler(rng, clip.language), "drop", "filler", speaker=speaker, slow=True)
        clip.gap(0.15, 0.4)
        clip.speech(" ".join(words[at:]), "keep", speaker=speaker)
        return
    if kind == "false_start":
        k = int(rng.integers(2, min(5, len(words) - 1)))
        clip.speech(" ".join(words[:k]), "drop", "false_start", speaker=speaker)
        clip.gap(0.25, 0.5)
    elif kind == "stutter":
        for _ in range(int(rng.integers(1, 3))):
            clip.speech(words[0], "drop", "stutter", speaker=speaker)
            clip.gap(0.06, 0.15)
    else:
        full = rng.random() < 0.45
        cut = len(words) if full else max(2, int(len(words) * rng.uniform(0.35, 0.8)))
        clip.speech(" ".join(words[:cut]), "drop", "retake", speaker=speaker)
        if kind == "retake_cue":
            clip.gap(0.3, 0.6)
            clip.speech(text.cue(rng, clip.language), "drop", "retake_cue", speaker=speaker)
            clip.gap(0.3, 0.6)
        else:
            clip.gap(0.6, 1.1)
    clip.speech(sentence, "keep", speaker=speaker)


def _repetition(clip: Clip, speaker: int) -> None:
    rng, topic = clip.rng, clip.topic
    kind = str(
        rng.choice(("rep_restate", "rep_emphasis", "rep_anaphora", "rep_again", "rep_quote"))
    )
    if kind == "rep_restate":
        short, long = text.restatement(rng, topic)
        clip.speech(short, "keep", speaker=speaker)
        clip.gap(0.3, 0.6)
        clip.speech(long, "keep", kind, speaker=speaker)
        clip.group(len(clip.spans) - 3, len(clip.spans) - 1)
    elif kind == "rep_quote" and clip.said:
        quoted = str(rng.choice(clip.said[-6:]))
        original = max(i for i, s in enumerate(clip.spans) if s["text"] == quoted)
        clip.speech(text.quote_intro(rng, topic), "keep", speaker=speaker)
        clip.gap(0.12, 0.3)
        clip.speech(quoted, "keep", kind, speaker=speaker)
        clip.group(original, len(clip.spans) - 1)
    elif kind == "rep_emphasis":
        clip.speech(text.emphasis(rng, topic), "keep", kind, speaker=speaker)
    elif kind == "rep_anaphora":
        clip.speech(text.anaphora(rng, topic), "keep", kind, speaker=speaker)
    else:
        clip.speech(text.again_and_again(rng, topic), "keep", "rep_again", speaker=speaker)


def _between(clip: Clip) -> None:
    roll = clip.rng.random()
    if roll < 0.10:
        clip.long_pause(float(clip.rng.uniform(1.6, 4.0)), "silence")
    elif roll < 0.22:
        clip.long_pause(float(clip.rng.uniform(1.0, 1.5)), "pause_mid")
    else:
        clip.gap(0.3, 0.7)


def _remember_statements(clip: Clip, before: int) -> None:
    clip.said.extend(
        s["text"]
        for s in clip.spans[before:]
        if s["label"] == "keep"
        and s["kind"] == ""
        and s["text"].endswith(".")
        and len(s["text"].split()) >= 5
    )


def _solo(clip: Clip, seconds: float) -> None:
    clip.gap(0.3, 1.0)
    while clip.seconds < seconds:
        before = len(clip.spans)
        _sentence(clip, 0)
        _remember_statements(clip, before)
        _between(clip)


def _interview(clip: Clip, seconds: float) -> None:
    """Speaker 0 asks, speaker 1 answers; the answer sometimes echoes the question first."""
    rng = clip.rng
    clip.gap(0.3, 1.0)
    while clip.seconds < seconds:
        question = text.question(rng, clip.topic)
        clip.speech(question, "keep", speaker=0)
        clip.gap(0.4, 0.9)
        if rng.random() < 0.35:
            clip.speech(question, "keep", "rep_echo", speaker=1)
            clip.group(len(clip.spans) - 3, len(clip.spans) - 1)
            lead = text.echo_lead(rng, clip.language)
            if lead:
                clip.gap(0.2, 0.4)
                clip.speech(lead, "keep", speaker=1)
            clip.gap(0.2, 0.5)
        for n in range(int(rng.integers(2, 5))):
            if n:
                _between(clip)
            before = len(clip.spans)
            _sentence(clip, 1)
            _remember_statements(clip, before)
        _between(clip)


def _voices(rng: np.random.Generator, language: str, engines: tuple[str, ...]) -> tuple[Voice, ...]:
    names = list(rng.permutation(ESPEAK_VOICES[language]))
    voices = []
    for engine in engines:
        if engine == "piper":
            voices.append(Voice("piper", "joe", length_scale=float(rng.uniform(0.9, 1.12))))
        else:
            voices.append(
                Voice(
                    "espeak",
                    str(names.pop()),
                    int(rng.integers(150, 190)),
                    int(rng.integers(35, 65)),
                )
            )
    return tuple(voices)


def build_clip(split: str, index: int, seconds: float, seed: int) -> tuple[Clip, str]:
    rng = np.random.default_rng([seed, 0 if split == "tuning" else 1, index])
    language, layout, engines = LAYOUTS[index % len(LAYOUTS)]
    topics = TOPICS[split][language]
    topic = topics[int(rng.integers(0, len(topics)))]
    clip = Clip(rng, language, topic, _voices(rng, language, engines))
    (_interview if layout == "interview" else _solo)(clip, seconds)
    return clip, layout


def _bed(kind: str, level_db: float, length: int, rng: np.random.Generator) -> FloatArray:
    t = np.arange(length, dtype=np.float64) / RATE
    if kind == "noise":
        white = rng.standard_normal(length)
        brown = np.cumsum(white)
        brown -= np.convolve(brown, np.ones(2048) / 2048, mode="same")
        noise = white * 0.5 + brown / (np.std(brown) + 1e-9)
        return (noise / np.std(noise) * 10 ** (level_db / 20)).astype(np.float32)
    roots = np.array((220.0, 174.6, 196.0, 261.6, 146.8, 233.1))[rng.permutation(6)]
    out = np.zeros(length)
    step = int(rng.uniform(1.5, 2.5) * RATE)
    for n, start in enumerate(range(0, length, step)):
        root = roots[n % len(roots)]
        seg = t[start : start + step]
        envelope = np.minimum(1.0, np.minimum(seg - seg[0], seg[-1] - seg + 1e-3) * 8)
        for ratio in (1.0, 1.26, 1.5, 2.0):
            out[start : start + step] += np.sin(2 * np.pi * root * ratio * seg) * envelope
    return (out / np.max(np.abs(out)) * 10 ** (level_db / 20)).astype(np.float32)


def _mask(clip: Clip, clean: FloatArray) -> npt.NDArray[np.bool_]:
    hop = int(FRAME_S * RATE)
    frames = clean.shape[0] // hop
    rms = np.sqrt(np.mean(clean[: frames * hop].reshape(frames, hop) ** 2, axis=1))
    active = rms > 10 ** (-40 / 20)
    keep = np.zeros(frames, bool)
    for span in clip.spans:
        if span["label"] == "keep":
            keep[int(span["start"] / FRAME_S) : int(span["end"] / FRAME_S)] = True
    return active & keep


def write_clip(clip: Clip, layout: str, name: str, index: int, directory: Path) -> dict[str, Any]:
    clean = np.concatenate(clip.audio)
    clean = clean / max(1e-6, float(np.max(np.abs(clean)))) * 0.5
    bed = BEDS[index % len(BEDS)]
    mixed = clean.copy()
    for kind, level in bed:
        mixed += _bed(kind, level, clean.shape[0], clip.rng)
    with wave.open(str(directory / f"{name}.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(mixed, -1, 1) * 32767).astype("<i2").tobytes())
    np.save(directory / f"{name}_speech.npy", _mask(clip, clean))
    meta = {
        "name": name,
        "audio": f"{name}.wav",
        "duration": clean.shape[0] / RATE,
        "language": clip.language,
        "topic": clip.topic.name,
        "layout": layout,
        "voice": "+".join(v.describe() for v in clip.voices),
        "bed": "+".join(f"{k}{level:g}dB" for k, level in bed) or "clean",
        "spans": clip.spans,
        "words": clip.words,
        "script": " ".join(clip.script),
    }
    (directory / f"{name}.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False))
    return meta


def generate(
    directory: Path, split: str, clips: int, minutes: float, seed: int = 7
) -> list[dict[str, Any]]:
    """Write (or reuse) `clips` clips of `split` totalling about `minutes` minutes."""
    directory.mkdir(parents=True, exist_ok=True)
    metas = []
    for index in range(clips):
        name = f"{split[:3]}{index:02d}"
        path = directory / f"{name}.json"
        if path.exists():
            metas.append(json.loads(path.read_text()))
            continue
        clip, layout = build_clip(split, index, minutes * 60 / clips, seed)
        metas.append(write_clip(clip, layout, name, index, directory))
    return metas
