from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.analysis_fixtures import spoken, voiced_audio, write_wav
from roughy.engine.audio import (
    ANALYSIS_SAMPLE_RATE,
    energy_speech_spans,
    extract_analysis_audio,
    frame_energy_db,
    load_analysis_audio,
    nearest_zero_crossing_us,
    open_analysis_audio,
    quietest_point_us,
    speech_spans,
    split_at_pauses,
)
from roughy.engine.types import EngineCancelled, MediaUnreadable, Span
from support import make_media


def test_extracts_16k_mono_from_a_stereo_video(tmp_path: Path) -> None:
    source = make_media(
        tmp_path / "in.mp4",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:duration=3",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=25:duration=3",
        "-ac",
        "2",
        "-c:a",
        "aac",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-shortest",
    )
    progress: list[float] = []
    info = extract_analysis_audio(source, tmp_path / "a.wav", on_progress=progress.append)
    assert info.sample_rate == ANALYSIS_SAMPLE_RATE
    assert abs(info.duration_us - 3_000_000) < 100_000
    assert progress[-1] == 1.0 and progress == sorted(progress)
    samples = load_analysis_audio(info.path)
    assert samples.dtype == np.float32 and samples.shape[0] == info.samples
    assert 0.05 < float(np.abs(samples).max()) <= 1.0
    assert open_analysis_audio(info.path).shape == samples.shape


def test_garbage_is_media_unreadable(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a media file" * 100)
    with pytest.raises(MediaUnreadable) as info:
        extract_analysis_audio(junk, tmp_path / "a.wav")
    assert info.value.code == "media_unreadable"
    assert not (tmp_path / "a.wav").exists()


def test_video_without_audio_is_refused(tmp_path: Path) -> None:
    source = make_media(
        tmp_path / "silent.mp4",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=25:duration=1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
    )
    with pytest.raises(MediaUnreadable) as info:
        extract_analysis_audio(source, tmp_path / "a.wav")
    assert info.value.code == "no_audio_stream"


def test_cancel_leaves_no_file(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "in.wav", np.zeros(ANALYSIS_SAMPLE_RATE * 5, np.float32))
    with pytest.raises(EngineCancelled):
        extract_analysis_audio(source, tmp_path / "a.wav", should_cancel=lambda: True)
    assert list(tmp_path.iterdir()) == [source]


def test_energy_spans_find_bursts_and_ignore_a_steady_floor() -> None:
    audio = voiced_audio([(0.5, 1.0), (2.0, 2.6)], 3.0, noise_db=-50)
    spans = energy_speech_spans(frame_energy_db(audio))
    assert [(round(s.start_us / 1e5), round(s.end_us / 1e5)) for s in spans] == [(5, 10), (20, 26)]


def test_split_at_pauses_breaks_a_bridged_span() -> None:
    audio = voiced_audio([(0.5, 1.0), (1.2, 1.8)], 2.0)
    spans = split_at_pauses([Span(500_000, 1_800_000)], frame_energy_db(audio))
    assert len(spans) == 2
    assert 1_000_000 <= spans[0].end_us <= 1_050_000 and 1_150_000 <= spans[1].start_us <= 1_200_000


def test_quietest_point_and_zero_crossing() -> None:
    audio = voiced_audio([(0.0, 0.95), (1.05, 2.0)], 2.0)
    energy = frame_energy_db(audio)
    point = quietest_point_us(energy, 800_000, 1_200_000)
    assert 950_000 <= point <= 1_050_000
    tone = np.sin(2 * np.pi * 100 * np.arange(ANALYSIS_SAMPLE_RATE) / ANALYSIS_SAMPLE_RATE)
    at = nearest_zero_crossing_us(tone.astype(np.float32), 12_000)
    assert at == 10_000  # a 100 Hz sine crosses zero every 5 ms; 10 ms is nearest to 12 ms


def test_silero_finds_synthesized_speech() -> None:
    speech, rate = spoken([0.5, "Hello there, this is a short test.", 1.0, "Goodbye now.", 0.5])
    resampled = np.interp(
        np.arange(0, speech.shape[0], rate / ANALYSIS_SAMPLE_RATE),
        np.arange(speech.shape[0]),
        speech,
    ).astype(np.float32)
    spans = speech_spans(resampled)
    assert spans
    assert 0.35e6 <= spans[0].start_us <= 0.7e6
    total = sum(s.duration_us for s in spans)
    assert 1.5e6 < total < resampled.shape[0] / ANALYSIS_SAMPLE_RATE * 1e6 - 1.5e6
