"""Running the engine's render for an asset: shared by /v1 renders and /api/v1 pipelines.

Blocking work runs in a thread; `on_progress` and `should_cancel` are called from that thread,
so they must be thread-safe and must not touch the database (see `roughy.jobs.progress`)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import anyio

from roughy.assets.models import Asset
from roughy.engine.ffmpeg import find_ffmpeg
from roughy.engine.render import OutputSpec, PresetSpec, RenderResult, render
from roughy.engine.types import CutDocument, EngineCancelled, EngineError
from roughy.jobs import JobContext

EXTENSIONS = {"mp4": "mp4", "mov": "mov", "m4a": "m4a", "mp3": "mp3"}
CONTENT_TYPES = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "m4a": "audio/mp4",
    "mp3": "audio/mpeg",
}


def scratch_dir(ctx: JobContext) -> Path:
    """Temp space on the data dir's filesystem, so storing a local result is a rename."""
    path = ctx.settings.scratch_dir
    path.mkdir(parents=True, exist_ok=True)
    return path


async def render_asset(
    ctx: JobContext,
    asset: Asset,
    cut: CutDocument | None,
    output: OutputSpec | PresetSpec,
    destination_key: str,
    *,
    on_progress: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> RenderResult:
    """Render the kept spans of `cut` (the whole source when None) and store the result at
    `destination_key`. The returned `RenderResult.path` is the temporary file, already moved
    into storage: use the key, not the path. Raises `EngineError` / `EngineCancelled`."""
    if not asset.storage_key:
        raise EngineError("the asset has no stored media", code="media_missing")
    source_key = asset.storage_key
    extension = EXTENSIONS[output.format]
    storage = ctx.storage
    ffmpeg = find_ffmpeg(ctx.settings.ffmpeg)
    scratch = scratch_dir(ctx)

    def work() -> RenderResult:
        if not storage.exists(source_key):
            raise EngineError("the asset's media is not in storage", code="media_missing")
        with (
            storage.local_path(source_key) as source,
            tempfile.TemporaryDirectory(prefix="render-", dir=scratch) as tmp,
        ):
            destination = Path(tmp) / f"output.{extension}"
            result = render(
                Path(source),
                cut,
                output,
                destination,
                ffmpeg=ffmpeg,
                on_progress=on_progress,
                should_cancel=should_cancel,
            )
            if should_cancel is not None and should_cancel():
                raise EngineCancelled("render cancelled")
            storage.put_file(destination_key, destination, move=True)
            return result

    return await anyio.to_thread.run_sync(work)
