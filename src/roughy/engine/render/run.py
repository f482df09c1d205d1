"""Rendering a cut: smart render when it is exact, else the full re-encode; temp output,
verification, atomic rename. Steps run through `execute.py`."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from roughy.engine.errors import EngineCancelled, EngineError, RenderInvalid
from roughy.engine.probe import MediaInfo, probe
from roughy.engine.render.execute import execute, frames_exact, probe_output
from roughy.engine.render.plan import RenderPlan, plan_render
from roughy.engine.render.smart import try_smart_render
from roughy.engine.render.spec import OutputSpec, PresetSpec, as_preset
from roughy.engine.types import CancelCheck, CutDocument, ProgressCallback

RenderPath = Literal["smart", "full"]
SMART_NOT_REQUESTED = "smart render not requested"
SMART_STEP_FAILED = "an ffmpeg step of the smart render failed"


@dataclass(frozen=True)
class RenderResult:
    path: Path
    format: str
    duration_us: int
    size_bytes: int
    frame_count: int | None
    width: int | None
    height: int | None
    video_kbps: int | None
    audio_kbps: int | None
    render_path: RenderPath
    fallback_reason: str | None
    """Why the full re-encode ran instead of smart render (None when smart render was used)."""

    @property
    def used_smart_render(self) -> bool:
        return self.render_path == "smart"


def render(
    source: Path,
    cut: CutDocument | None,
    output: OutputSpec | PresetSpec,
    destination: Path,
    *,
    ffmpeg: Path,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    smart: bool = True,
) -> RenderResult:
    """Render the kept spans of `source` (all of it when `cut` is None) to `destination`.

    Smart render (stream-copying whole GOPs) is tried when `smart` and the source allows it, and
    is used only when its output has exactly the planned frame count; otherwise the frame-exact
    full re-encode runs. Raises `MediaUnreadable`, `EngineCancelled` or `EngineError`.
    """
    info = probe(source)
    if on_progress is not None:
        on_progress = _monotonic(on_progress)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.{uuid.uuid4().hex[:8]}.part")
    work = Path(tempfile.mkdtemp(prefix=".roughy-render-", dir=destination.parent))
    try:
        plan, fallback_reason = _render_to(
            info, cut, output, partial, work, ffmpeg, on_progress, should_cancel, smart
        )
        result = _result(plan, partial, destination, fallback_reason)
        partial.replace(destination)
        return result
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)


def _render_to(
    info: MediaInfo,
    cut: CutDocument | None,
    output: OutputSpec | PresetSpec,
    partial: Path,
    work: Path,
    ffmpeg: Path,
    on_progress: ProgressCallback | None,
    should_cancel: CancelCheck | None,
    smart: bool,
) -> tuple[RenderPlan, str | None]:
    """The plan and why the full re-encode ran (None: smart render did it)."""
    plan = plan_render(info, cut, output, ffmpeg=ffmpeg, output_path=partial)
    reason: str | None = SMART_NOT_REQUESTED
    if smart:
        reason = _smart_render(info, plan, output, work, ffmpeg, on_progress, should_cancel)
        if reason is None:
            return plan, None
    execute(plan.steps, on_progress, should_cancel, cleanup=[partial])
    return plan, reason


def _smart_render(
    info: MediaInfo,
    plan: RenderPlan,
    output: OutputSpec | PresetSpec,
    work: Path,
    ffmpeg: Path,
    on_progress: ProgressCallback | None,
    should_cancel: CancelCheck | None,
) -> str | None:
    """Smart render (None), or why the full re-encode has to run."""
    try:
        return try_smart_render(
            info, plan, as_preset(output), work, ffmpeg, on_progress, should_cancel
        )
    except EngineCancelled:
        raise
    except EngineError:
        plan.output_path.unlink(missing_ok=True)
        return SMART_STEP_FAILED


def _monotonic(callback: ProgressCallback) -> ProgressCallback:
    """Never report going backwards (a smart render that falls back restarts at zero)."""
    high = [0.0]

    def report(fraction: float) -> None:
        if fraction >= high[0]:
            high[0] = fraction
            callback(fraction)

    return report


def _result(
    plan: RenderPlan, partial: Path, destination: Path, fallback_reason: str | None
) -> RenderResult:
    out = probe_output(partial)
    frames = out.video.frame_count if out.video else None
    if not frames_exact(plan, out):
        raise RenderInvalid(f"render has {frames} frames, planned {plan.frame_count}")
    return RenderResult(
        path=destination,
        format=plan.format,
        duration_us=out.duration_us,
        size_bytes=out.size_bytes,
        frame_count=frames,
        width=out.video.display_width if out.video else None,
        height=out.video.display_height if out.video else None,
        video_kbps=plan.video_kbps,
        audio_kbps=plan.audio_kbps,
        render_path="full" if fallback_reason else "smart",
        fallback_reason=fallback_reason,
    )
