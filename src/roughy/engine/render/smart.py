"""Smart render: stream-copy whole GOPs, re-encode only partial GOPs at span edges."""

from __future__ import annotations

from pathlib import Path

from roughy.engine.probe import MediaInfo
from roughy.engine.render.plan import RenderPlan
from roughy.engine.render.spec import PresetSpec
from roughy.engine.types import CancelCheck, ProgressCallback


def try_smart_render(
    info: MediaInfo,
    plan: RenderPlan,
    preset: PresetSpec,
    work: Path,
    ffmpeg: Path,
    on_progress: ProgressCallback | None,
    should_cancel: CancelCheck | None,
) -> bool:
    return False
