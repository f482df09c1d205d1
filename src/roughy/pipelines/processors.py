"""The processors a step binds to: `cut` (decision SRT, output type cut_file) and `render` (MP4,
output type rendered_video). Both run the shared engine paths of /v1 cuts and renders."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import PurePosixPath

from roughy.cuts.analysis import analyse_asset
from roughy.engine.export import to_decision_srt
from roughy.engine.render import PRESETS
from roughy.engine.types import CutDocument
from roughy.jobs import JobContext, Runtime
from roughy.kit.ids import new_id
from roughy.pipelines.schemas import CutConfig, RenderConfig
from roughy.pipelines.service import Claim, StepOutput
from roughy.renders.execution import render_asset
from roughy.storage import keys

Progress = Callable[[float], None]
CancelCheck = Callable[[], bool]


def _stem(claim: Claim) -> str:
    name = claim.input_asset.filename or f"asset-{claim.input_asset.id}"
    return PurePosixPath(name).stem or "output"


async def run_cut(
    ctx: JobContext, claim: Claim, on_progress: Progress, should_cancel: CancelCheck
) -> StepOutput:
    config = CutConfig.model_validate(claim.config)
    asset = claim.input_asset
    if config.language_code:
        asset.language = config.language_code.lower()  # a detached copy; never flushed
    job_ctx = ctx
    if config.model and ctx.settings.anthropic_api_key:
        settings = ctx.settings.model_copy(update={"anthropic_model": config.model})
        runtime = Runtime(settings=settings, db=ctx.runtime.db, storage=ctx.storage)
        job_ctx = dataclasses.replace(ctx, runtime=runtime)
    document = await analyse_asset(
        job_ctx,
        asset,
        script=config.script if config.mode == "scripted" else None,
        on_progress=on_progress,
        should_cancel=should_cancel,
    )
    body = to_decision_srt(document).encode("utf-8")
    asset_id = new_id()
    filename = f"{_stem(claim)}.cut.srt"
    key = keys.pipeline_output(claim.project_id, asset_id, filename)
    size = ctx.storage.put_bytes(key, body)
    return StepOutput(
        asset_id=asset_id,
        asset_type="cut_file",
        storage_key=key,
        size_bytes=size,
        content_type="application/x-subrip",
        extension="srt",
        filename=filename,
        duration_us=None,
        billable_us=asset.duration_us or 0,
        cut_document=document.to_dict(),
    )


async def run_render(
    ctx: JobContext, claim: Claim, on_progress: Progress, should_cancel: CancelCheck
) -> StepOutput:
    config = RenderConfig.model_validate(claim.config)
    cut = None if claim.cut_document is None else CutDocument.from_dict(claim.cut_document)
    asset_id = new_id()
    filename = f"{_stem(claim)}.{config.preset}.mp4"
    key = keys.pipeline_output(claim.project_id, asset_id, filename)
    result = await render_asset(
        ctx,
        claim.input_asset,
        cut,
        PRESETS[config.preset],
        key,
        on_progress=on_progress,
        should_cancel=should_cancel,
    )
    return StepOutput(
        asset_id=asset_id,
        asset_type="rendered_video",
        storage_key=key,
        size_bytes=result.size_bytes,
        content_type="video/mp4",
        extension="mp4",
        filename=filename,
        duration_us=result.duration_us,
        billable_us=result.duration_us,
        render_path=result.render_path,
        fallback_reason=result.fallback_reason,
    )


PROCESSORS = {"cut": run_cut, "render": run_render}
