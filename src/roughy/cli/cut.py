"""`roughy cut INPUT`: the whole rough-cut job on a local file, no server and no database."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from roughy.config import load_settings
from roughy.cuts.analysis import whisper_transcriber
from roughy.engine.analyse import analyse
from roughy.engine.audio import extract_analysis_audio
from roughy.engine.cutting import CutOptions
from roughy.engine.cutting.options import Preset
from roughy.engine.export import FORMATS, ExportSource, export_cut
from roughy.engine.render.spec import OutputFormat
from roughy.engine.types import CutDocument, EngineError

MEDIA_OUTPUTS: dict[str, OutputFormat] = {
    ".mp4": "mp4",
    ".mov": "mov",
    ".m4a": "m4a",
    ".mp3": "mp3",
}
PRESET_NAMES: tuple[Preset, ...] = ("gentle", "balanced", "aggressive")
console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `cut` command to the Roughy CLI."""
    app.command(name="cut")(cut)


def cut(
    input_path: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, metavar="INPUT", help="Audio or video file to cut."
        ),
    ],
    script: Annotated[
        Path | None,
        typer.Option(
            "--script",
            exists=True,
            dir_okay=False,
            help="Reference script: keep one take per sentence, drop off-script asides.",
        ),
    ] = None,
    preset: Annotated[str, typer.Option(help="gentle | balanced | aggressive")] = "balanced",
    export: Annotated[
        list[str] | None,
        typer.Option("--export", help=f"Export format, repeatable: {', '.join(FORMATS)}."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Rendered file (.mp4/.mov/.m4a/.mp3) or a directory for the "
            "cut document and exports.",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="base, tiny.en or a faster-whisper model dir (default: ROUGHY_WHISPER_MODEL "
            "or base)."
        ),
    ] = None,
    language: Annotated[str | None, typer.Option(help="Language hint, e.g. en.")] = None,
    ffmpeg: Annotated[str | None, typer.Option(help="ffmpeg binary for rendering.")] = None,
) -> None:
    """Transcribe INPUT, decide the cut, write the cut document, exports and (with -o FILE.mp4)
    the rendered result."""
    chosen = next((name for name in PRESET_NAMES if name == preset), None)
    if chosen is None:
        raise typer.BadParameter(f"preset must be one of {', '.join(PRESET_NAMES)}")
    formats = [f.lower() for f in export or []]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise typer.BadParameter(f"unknown export format(s): {', '.join(unknown)}")
    render_to, out_dir = _destinations(input_path, output)
    try:
        _run(input_path, script, chosen, formats, render_to, out_dir, model, language, ffmpeg)
    except EngineError as exc:
        console.print(f"[red]error[/red] ({exc.code}): {exc.message}")
        raise typer.Exit(1) from exc


def _destinations(input_path: Path, output: Path | None) -> tuple[Path | None, Path]:
    if output is None:
        return None, input_path.parent
    if output.suffix.lower() in MEDIA_OUTPUTS:
        output.parent.mkdir(parents=True, exist_ok=True)
        return output, output.parent
    output.mkdir(parents=True, exist_ok=True)
    return None, output


@contextmanager
def _stages() -> Iterator[Callable[[str], Callable[[float], None]]]:
    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:

        def stage(name: str) -> Callable[[float], None]:
            task = progress.add_task(name, total=1.0)
            return lambda fraction: progress.update(task, completed=fraction)

        yield stage


def _run(
    input_path: Path,
    script: Path | None,
    preset: Preset,
    formats: list[str],
    render_to: Path | None,
    out_dir: Path,
    model: str | None,
    language: str | None,
    ffmpeg: str | None,
) -> None:
    stem = input_path.stem
    frame_rate, has_video, size = _probe(input_path)
    settings = load_settings()
    if model:
        settings = settings.model_copy(update={"whisper_model": model})
    transcriber = whisper_transcriber(settings)
    with tempfile.TemporaryDirectory(prefix="roughy-cut-") as tmp, _stages() as stage:
        wav = Path(tmp) / "analysis.wav"
        extract_analysis_audio(input_path, wav, on_progress=stage("decode"))
        text = script.read_text(encoding="utf-8") if script else None
        doc = analyse(
            wav,
            transcriber=transcriber,
            language=language,
            options=CutOptions.preset(preset),
            script=text,
            frame_rate=frame_rate,
            on_progress=stage("analyse"),
        ).document
        written = _write(
            doc, formats, out_dir, stem, input_path, frame_rate, has_video, size, stage("export")
        )
        if render_to is not None:
            written.append(_render(input_path, doc, render_to, ffmpeg, stage("render")))
    kept = doc.kept_duration_us / 1e6
    console.print(
        f"kept {kept:.1f}s of {doc.source_duration_us / 1e6:.1f}s ({len(doc.removed)} removals)"
    )
    for path in written:
        console.print(f"  wrote {path}")


def _write(
    doc: CutDocument,
    formats: list[str],
    out_dir: Path,
    stem: str,
    source: Path,
    frame_rate: Fraction | None,
    has_video: bool,
    size: tuple[int, int] | None,
    progress: Callable[[float], None],
) -> list[Path]:
    document = out_dir / f"{stem}.cut.json"
    document.write_text(json.dumps(doc.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    written = [document]
    export_source = ExportSource(
        name=source.name,
        path=str(source.resolve()),
        frame_rate=frame_rate,
        has_video=has_video,
        width=size[0] if size else None,
        height=size[1] if size else None,
    )
    for n, fmt in enumerate(formats, start=1):
        exported = export_cut(doc, fmt, export_source)
        path = out_dir / f"{stem}.{exported.extension}"
        if fmt == "json":
            path = out_dir / f"{stem}.export.json"
        path.write_bytes(exported.content)
        written.append(path)
        progress(n / len(formats))
    progress(1.0)
    return written


def _probe(path: Path) -> tuple[Fraction | None, bool, tuple[int, int] | None]:
    from roughy.engine.probe import probe

    info = probe(path)
    if info.video is None:
        return None, False, None
    return info.video.avg_frame_rate, True, (info.video.width, info.video.height)


def _render(
    source: Path,
    doc: CutDocument,
    destination: Path,
    ffmpeg: str | None,
    progress: Callable[[float], None],
) -> Path:
    from roughy.engine.ffmpeg import find_ffmpeg
    from roughy.engine.render import OutputSpec, render

    fmt = MEDIA_OUTPUTS[destination.suffix.lower()]
    result = render(
        source,
        doc,
        OutputSpec(format=fmt),
        destination,
        ffmpeg=find_ffmpeg(ffmpeg),
        on_progress=progress,
    )
    how = f"full re-encode ({result.fallback_reason})" if result.fallback_reason else "smart"
    console.print(f"render path: {result.render_path} — {how}")
    return result.path
