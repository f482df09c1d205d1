from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from engine.analysis_fixtures import make_mp4, spoken, write_wav
from roughy.cli.cut import register
from roughy.engine.types import CutDocument

pytestmark = pytest.mark.slow


def app() -> typer.Typer:
    application = typer.Typer()
    register(application)

    @application.command()
    def noop() -> None:
        """Keeps typer in multi-command mode, as in the real CLI."""

    return application


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    speech, rate = spoken(
        [
            0.3,
            "Good morning and welcome to the show.",
            0.4,
            "um",
            0.4,
            "Today we talk about rivers.",
            2.5,
            "Thanks for listening.",
            0.3,
        ]
    )
    return write_wav(folder / "talk.wav", speech, rate)


def test_cut_a_wav_with_exports(recording: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app(),
        [
            "cut",
            str(recording),
            "--export",
            "srt",
            "--export",
            "edl",
            "--export",
            "fcpxml",
            "-o",
            str(tmp_path),
            "--preset",
            "balanced",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = CutDocument.from_dict(json.loads((tmp_path / "talk.cut.json").read_text()))
    assert doc.kept and doc.removed
    assert doc.kept_duration_us < doc.source_duration_us - 1_500_000
    assert (tmp_path / "talk.srt").read_text().startswith("1\n")
    assert "FCM:" in (tmp_path / "talk.edl").read_text()
    assert "<fcpxml" in (tmp_path / "talk.fcpxml").read_text()


def test_cut_an_mp4_and_render_it(recording: Path, tmp_path: Path) -> None:
    pytest.importorskip("roughy.engine.render")
    source = make_mp4(tmp_path / "talk.mp4", recording, 9.0)
    out = tmp_path / "out" / "talk.cut.mp4"
    script = tmp_path / "script.txt"
    script.write_text(
        "Good morning and welcome to the show. Today we talk about rivers. Thanks for listening."
    )
    result = CliRunner().invoke(
        app(), ["cut", str(source), "--script", str(script), "--export", "xmeml", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000
    assert "render path: " in result.output
    doc = json.loads((out.parent / "talk.cut.json").read_text())
    assert doc["frame_rate"] == "25"
    assert (out.parent / "talk.xml").read_text().count("<clipitem") >= 2


def test_bad_options_are_refused(recording: Path) -> None:
    result = CliRunner().invoke(app(), ["cut", str(recording), "--export", "aaf"])
    assert result.exit_code != 0
    result = CliRunner().invoke(app(), ["cut", str(recording), "--preset", "wild"])
    assert result.exit_code != 0


def test_unreadable_input_fails_cleanly(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio" * 50)
    result = CliRunner().invoke(app(), ["cut", str(junk)])
    assert result.exit_code == 1
