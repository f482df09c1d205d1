from __future__ import annotations

from pathlib import Path

import pytest

from engine.analysis_fixtures import spoken, write_wav
from roughy.engine.audio import extract_analysis_audio
from roughy.engine.transcribe import (
    FasterWhisperTranscriber,
    WhisperModelSpec,
    tiny_en_model,
)
from roughy.engine.types import EngineCancelled, EngineError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("whisper")
    speech, rate = spoken(
        [
            0.4,
            "Today we will talk about editing video.",
            0.5,
            "um",
            0.5,
            "The first step is to record everything you need.",
            0.4,
        ]
    )
    source = write_wav(folder / "speech.wav", speech, rate)
    return extract_analysis_audio(source, folder / "speech.16k.wav").path


def test_transcribes_with_word_timestamps(clip: Path) -> None:
    progress: list[float] = []
    transcript = FasterWhisperTranscriber(tiny_en_model()).transcribe(
        clip, on_progress=progress.append
    )
    text = " ".join(w.text for w in transcript.words).lower()
    assert "first step" in text and "record" in text
    assert transcript.language == "en" and transcript.model == "tiny.en"
    starts = [w.start_us for w in transcript.words]
    assert starts == sorted(starts)
    assert all(
        0 <= w.start_us < w.end_us <= transcript.duration_us + 200_000 for w in transcript.words
    )
    assert progress[-1] == 1.0


def test_decoding_is_deterministic(clip: Path) -> None:
    transcriber = FasterWhisperTranscriber(tiny_en_model())
    assert transcriber.transcribe(clip) == transcriber.transcribe(clip)


def test_english_only_model_refuses_other_languages(clip: Path) -> None:
    with pytest.raises(EngineError) as info:
        FasterWhisperTranscriber(tiny_en_model()).transcribe(clip, language="de")
    assert info.value.code == "unsupported_language"


def test_cancel_stops_transcription(clip: Path) -> None:
    with pytest.raises(EngineCancelled):
        FasterWhisperTranscriber(tiny_en_model()).transcribe(clip, should_cancel=lambda: True)


def test_missing_model_directory(tmp_path: Path, clip: Path) -> None:
    with pytest.raises(EngineError) as info:
        FasterWhisperTranscriber(WhisperModelSpec(tmp_path, "none")).transcribe(clip)
    assert info.value.code == "model_missing"


def test_a_word_stamped_on_a_hesitation_is_doubted_once_the_hesitation_is_heard_alone(
    tmp_path: Path,
) -> None:
    """In context the decoder may write a likely word over an "hmm"; decoded on its own, the
    hmm is a hesitation, so the word on it loses its confidence. Other words keep theirs."""
    from roughy.engine.audio import load_analysis_audio, speech_spans
    from roughy.engine.transcribe.whisper import WhisperOptions, _load_model
    from roughy.engine.types import Word
    from roughy.engine.voicing import held_islands

    speech, rate = spoken([0.4, "Most", 0.4, "hmm", 0.4, "gardens need water.", 0.4])
    source = write_wav(tmp_path / "hmm.wav", speech, rate)
    audio = load_analysis_audio(extract_analysis_audio(source, tmp_path / "hmm.16k.wav").path)
    spans = speech_spans(audio)
    (hesitation,) = [h for h in held_islands(audio, spans) if h.start_us > 900_000]
    words = [
        Word("Most", spans[0].start_us, spans[0].end_us, 0.96),
        Word("of", hesitation.start_us, hesitation.end_us, 0.73),
        Word("gardens", spans[-1].start_us, spans[-1].end_us, 0.9),
    ]
    transcriber = FasterWhisperTranscriber(tiny_en_model())
    model = _load_model(transcriber.model, WhisperOptions())
    heard = transcriber._hear_hesitations_alone(model, audio, "en", words, spans)
    assert heard[1].probability == 0.0
    assert heard[0] == words[0] and heard[2] == words[2]
