from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.cuts import service as cuts
from roughy.cuts.progress import Tracker
from roughy.engine.render import OutputSpec
from roughy.engine.types import CutDocument, EngineCancelled, EngineError
from roughy.jobs import JobContext, job
from roughy.kit.clock import utcnow
from roughy.renders import repository as repo
from roughy.renders.execution import render_asset
from roughy.renders.models import Render
from roughy.renders.service import output_key
from roughy.webhooks.service import emit

log = logging.getLogger(__name__)
RUNNING = ("pending", "processing")


@job("renders.run", queue="cpu")
async def run(ctx: JobContext, render_id: str) -> None:
    """pending/processing -> completed | failed; `cancelled` is set by the cancel endpoint and
    stops ffmpeg through `should_cancel` (the row's state is polled every 0.5 s). Safe to run
    twice: terminal renders are left alone and the output key is fixed per render."""
    async with ctx.transaction() as session:
        render = await repo.get(session, render_id, for_update=True)
        if render is None or render.state not in RUNNING:
            return
        asset = await cuts.get_asset_any_state(session, render.asset_id)
        if asset is None:
            return
        document: CutDocument | None = None
        if render.cut_id is not None:
            cut = await cuts.get_any(session, render.cut_id)
            if cut is None or cut.document is None:
                await _mark_failed(session, render, "modifier_not_ready", "The cut has no plan.")
                return
            document = CutDocument.from_dict(cut.document)
        render.state = "processing"
        render.started_at = render.started_at or utcnow()
        render.progress = 0.0
        out = render.output
        key = output_key(render.project_id, render.asset_id, render.id, str(out["format"]))

    spec = OutputSpec(
        format=out["format"],
        resolution=out.get("resolution"),
        video_bitrate=out.get("video_bitrate"),
        audio_bitrate=out.get("audio_bitrate"),
    )
    tracker = Tracker()

    async def write(fraction: float) -> bool:
        async with ctx.transaction() as session:
            if fraction >= 0:
                await session.execute(
                    update(Render)
                    .where(Render.id == render_id, Render.state == "processing")
                    .values(progress=round(fraction, 4))
                )
            return await repo.state_of(session, render_id) != "processing"

    try:
        async with tracker.running(write):
            result = await render_asset(
                ctx,
                asset,
                document,
                spec,
                key,
                on_progress=tracker.report,
                should_cancel=tracker.cancelled,
            )
    except EngineCancelled:
        ctx.storage.delete(key)
        return
    except EngineError as exc:
        await _finish_failed(ctx, render_id, exc.code, exc.message)
        return
    except Exception as exc:
        log.exception("render failed", extra={"render_id": render_id})
        await _finish_failed(
            ctx, render_id, "internal_error", f"Unexpected error: {type(exc).__name__}"
        )
        return

    async with ctx.transaction() as session:
        render = await repo.get(session, render_id, for_update=True)
        if render is None or render.state != "processing":
            ctx.storage.delete(key)
            return
        render.state = "completed"
        render.progress = 1.0
        render.storage_key = key
        render.size_bytes = result.size_bytes
        render.duration_us = result.duration_us
        render.completed_at = utcnow()
        await emit(
            session,
            user_id=render.user_id,
            event_type="render.completed",
            data={"entity_id": render.id, "asset_id": render.asset_id},
        )


async def _finish_failed(ctx: JobContext, render_id: str, code: str, message: str) -> None:
    async with ctx.transaction() as session:
        render = await repo.get(session, render_id, for_update=True)
        if render is None or render.state not in RUNNING:
            return
        await _mark_failed(session, render, code, message)


async def _mark_failed(session: AsyncSession, render: Render, code: str, message: str) -> None:
    render.state = "failed"
    render.error_code = code[:64]
    render.error_message = message
    render.completed_at = utcnow()
    await emit(
        session,
        user_id=render.user_id,
        event_type="render.failed",
        data={"entity_id": render.id, "asset_id": render.asset_id},
    )
