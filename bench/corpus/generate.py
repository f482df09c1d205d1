"""Generate the evaluation corpus: synthetic speech with labelled disfluencies.

Every clip comes with a timeline labelling each span `keep` (intended speech), `drop` (with the
kind an editor would remove: filler, silence, false_start, retake, retake_cue, stutter) or `gap`
(natural pauses, neutral), plus the clean script and a 10 ms mask of intended speech.
"""

from __future__ import annotations

import json
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.corpus.sentences import CUES, FILLERS, POOL
from bench.corpus.synth import Espeak

RATE = 22_050
VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb+m3", "en-029", "en-us+m7", "en-gb-x-rp+f2")
FRAME_S = 0.01
FloatArray = npt.NDArray[np.float32]


@dataclass
class Clip:
    rng: np.random.Generator
    voice: str
    rate: int
    pitch: int
    audio: list[FloatArray] = field(default_factory=list)
    spans: list[dict[str, Any]] = field(default_factory=list)
    words: list[dict[str, Any]] = field(default_factory=list)
    script: list[str] = field(default_factory=list)
    cursor: int = 0

    def speech(self, text: str, label: str, kind: str = "", *, rate_delta: int = 0) -> None:
        said = Espeak.get().say(
            text, voice=self.voice, rate=self.rate + rate_delta, pitch=self.pitch
        )
        samples, offset = _trim(said.samples)
        start = self.cursor / RATE
        self._append(samples)
        end = self.cursor / RATE
        self.spans.append({"start": start, "end": end, "label": label, "kind": kind, "text": text})
        if label == "keep":
            self._words(text, said.word_starts_s, offset / RATE, start, end)

    def _words(
        self, text: str, starts: tuple[float, ...], offset: float, lo: float, hi: float
    ) -> None:
        tokens = text.split()
        times = [min(hi, max(lo, lo + s - offset)) for s in starts][: len(tokens)]
        if len(times) != len(tokens):
            times = list(np.linspace(lo, hi, len(tokens), endpoint=False))
        for n, token in enumerate(tokens):
            end = times[n + 1] if n + 1 < len(times) else hi
            self.words.append({"text": token, "start": times[n], "end": end})

    def pause(self, seconds: float, label: str = "gap", kind: str = "") -> None:
        start = self.cursor / RATE
        self._append(np.zeros(int(seconds * RATE), np.float32))
        self.spans.append(
            {"start": start, "end": self.cursor / RATE, "label": label, "kind": kind, "text": ""}
        )

    def long_pause(self, seconds: float) -> None:
        edge = 0.35
        self.pause(edge)
        self.pause(seconds - 2 * edge, "drop", "silence")
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


def _sentence(clip: Clip, text: str) -> None:
    clip.speech(text, "keep")
    clip.script.append(text)


def _event(clip: Clip, text: str) -> None:
    rng = clip.rng
    words = text.split()
    roll = rng.random()
    if roll < 0.16:
        at = int(rng.integers(0, max(1, len(words) - 2)))
        if at:
            clip.speech(" ".join(words[:at]), "keep")
            clip.pause(float(rng.uniform(0.15, 0.35)))
        clip.speech(str(rng.choice(FILLERS)), "drop", "filler", rate_delta=-40)
        clip.pause(float(rng.uniform(0.15, 0.35)))
        clip.speech(" ".join(words[at:]), "keep")
        clip.script.append(text)
        return
    if roll < 0.26:
        k = int(rng.integers(2, min(5, len(words) - 1)))
        clip.speech(" ".join(words[:k]), "drop", "false_start")
        clip.pause(float(rng.uniform(0.25, 0.5)))
    elif roll < 0.35:
        cut = len(words) if rng.random() < 0.5 else max(3, int(len(words) * 0.7))
        clip.speech(" ".join(words[:cut]), "drop", "retake")
        clip.pause(float(rng.uniform(0.6, 1.0)))
    elif roll < 0.45:
        cut = len(words) if rng.random() < 0.4 else max(2, int(len(words) * rng.uniform(0.3, 0.8)))
        clip.speech(" ".join(words[:cut]), "drop", "retake")
        clip.pause(float(rng.uniform(0.3, 0.6)))
        clip.speech(str(rng.choice(CUES)), "drop", "retake_cue")
        clip.pause(float(rng.uniform(0.3, 0.6)))
    elif roll < 0.51:
        clip.speech(words[0], "drop", "stutter")
        clip.pause(float(rng.uniform(0.06, 0.15)))
    _sentence(clip, text)


def build_clip(index: int, seconds: float, seed: int) -> Clip:
    rng = np.random.default_rng(seed * 1000 + index)
    clip = Clip(
        rng, VOICES[index % len(VOICES)], int(rng.integers(150, 195)), int(rng.integers(35, 65))
    )
    order = rng.permutation(len(POOL))
    clip.pause(float(rng.uniform(0.3, 1.0)))
    n = 0
    while clip.cursor / RATE < seconds:
        _event(clip, POOL[int(order[n % len(order)])])
        n += 1
        if rng.random() < 0.15:
            clip.long_pause(float(rng.uniform(1.5, 4.0)))
        else:
            clip.pause(float(rng.uniform(0.3, 0.7)))
    return clip


def _bed(kind: str, length: int, rng: np.random.Generator) -> FloatArray:
    t = np.arange(length, dtype=np.float64) / RATE
    if kind == "noise":
        white = rng.standard_normal(length)
        brown = np.cumsum(white)
        brown -= np.convolve(brown, np.ones(2048) / 2048, mode="same")
        noise = white * 0.5 + brown / (np.std(brown) + 1e-9)
        return (noise / np.std(noise) * 10 ** (-48 / 20)).astype(np.float32)
    roots = (220.0, 174.6, 196.0, 261.6)
    out = np.zeros(length)
    step = 2 * RATE
    for n, start in enumerate(range(0, length, step)):
        root = roots[n % len(roots)]
        seg = t[start : start + step]
        envelope = np.minimum(1.0, np.minimum(seg - seg[0], seg[-1] - seg + 1e-3) * 8)
        for ratio in (1.0, 1.26, 1.5, 2.0):
            out[start : start + step] += np.sin(2 * np.pi * root * ratio * seg) * envelope
    return (out / np.max(np.abs(out)) * 10 ** (-26 / 20)).astype(np.float32)


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


def write_clip(clip: Clip, index: int, directory: Path) -> dict[str, Any]:
    clean = np.concatenate(clip.audio)
    clean = clean / max(1e-6, float(np.max(np.abs(clean)))) * 0.5
    bed = ("clean", "noise", "music", "clean", "noise+music")[index % 5]
    mixed = clean.copy()
    for part in bed.split("+"):
        if part != "clean":
            mixed += _bed(part, clean.shape[0], clip.rng)
    name = f"clip{index:02d}"
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
        "voice": clip.voice,
        "rate": clip.rate,
        "bed": bed,
        "spans": clip.spans,
        "words": clip.words,
        "script": " ".join(clip.script),
    }
    (directory / f"{name}.json").write_text(json.dumps(meta, indent=1))
    return meta


def generate(directory: Path, clips: int, minutes: float, seed: int = 7) -> list[dict[str, Any]]:
    """Write (or reuse) `clips` clips totalling about `minutes` minutes into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    metas = []
    for index in range(clips):
        path = directory / f"clip{index:02d}.json"
        if path.exists():
            metas.append(json.loads(path.read_text()))
            continue
        metas.append(write_clip(build_clip(index, minutes * 60 / clips, seed), index, directory))
    return metas
