"""A sentence said again in another voice is an echo, not a retake (real espeak-ng speech).

The two voices ("de" and its variant "de+m7") have the same pitch: their timbre tells them
apart."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from engine.analysis_fixtures import REPO, write_wav
from roughy.engine.audio import extract_analysis_audio, load_analysis_audio
from roughy.engine.cutting import AnalysisSignal, CutOptions, decide_cut
from roughy.engine.cutting.passes.vetoes import SPEAKER_TIMBRE_DB
from roughy.engine.types import CutDocument, Transcript, Word
from roughy.engine.voicing import timbre_distance_db

SENTENCE = "Man muss die Segel am Abend gut trocknen."
PAUSE_S = 0.6


def _say(tmp_path: Path, voices: list[str]) -> tuple[AnalysisSignal, tuple[Word, ...]]:
    """SENTENCE once per voice, a pause between; words stamped from espeak-ng's word events."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from bench.corpus.synth import Espeak

    engine = Espeak.get()
    rate = engine.sample_rate
    chunks = [np.zeros(int(PAUSE_S * rate), np.float32)]
    words: list[Word] = []
    offset = PAUSE_S
    for voice in voices:
        speech = engine.say(SENTENCE, voice=voice)
        length = speech.samples.shape[0] / rate
        starts = [*speech.word_starts_s, length]
        for text, start, end in zip(SENTENCE.split(), starts, starts[1:], strict=False):
            words.append(Word(text, round((offset + start) * 1e6), round((offset + end) * 1e6)))
        chunks += [speech.samples, np.zeros(int(PAUSE_S * rate), np.float32)]
        offset += length + PAUSE_S
    wav = write_wav(tmp_path / "said.wav", np.concatenate(chunks) * 0.8, rate)
    analysis = tmp_path / "said.16k.wav"
    extract_analysis_audio(wav, analysis)
    return AnalysisSignal.from_samples(load_analysis_audio(analysis)), tuple(words)


def _decide(signal: AnalysisSignal, words: tuple[Word, ...]) -> CutDocument:
    transcript = Transcript("de", words, "test", signal.duration_us)
    return decide_cut(transcript, signal, CutOptions(restart_similarity=0.0))


def _first_take_kept(doc: CutDocument) -> bool:
    first = doc.words[0]
    return any(s.start_us <= first.start_us and first.end_us <= s.end_us for s in doc.kept)


@pytest.mark.parametrize(
    ("voices", "echo"),
    [(["de", "de+m7"], True), (["de", "de"], False)],
    ids=["two-voices", "one-voice"],
)
def test_a_sentence_said_again_in_another_voice_is_kept(
    tmp_path: Path, voices: list[str], echo: bool
) -> None:
    signal, words = _say(tmp_path, voices)
    assert _first_take_kept(_decide(signal, words)) is echo


def test_timbre_distance_separates_voices_not_takes(tmp_path: Path) -> None:
    signal, words = _say(tmp_path, ["de", "de", "de+m7"])
    size = len(SENTENCE.split())
    takes = [
        signal.between(words[k * size].start_us, words[k * size + size - 1].end_us)
        for k in range(3)
    ]
    same = timbre_distance_db(takes[0], takes[1])
    other = timbre_distance_db(takes[1], takes[2])
    assert same is not None and other is not None
    assert same < SPEAKER_TIMBRE_DB <= other
