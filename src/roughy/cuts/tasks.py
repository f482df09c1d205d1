from __future__ import annotations

import logging

from sqlalchemy import select, update

from roughy.cuts import repository as repo
from roughy.cuts.analysis import analyse_asset
from roughy.cuts.models import Cut
from roughy.cuts.progress import Tracker
from roughy.engine.types import EngineCancelled, EngineError
from roughy.jobs import JobContext, job
from roughy.kit.clock import utcnow
from roughy.webhooks.service import emit

log = logging.getLogger(__name__)
RUNNING = ("pending", "processing")


@job("cuts.compute", queue="cpu")
async def compute(ctx: JobContext, cut_id: str) -> None:
    """pending/processing -> completed | failed. Safe to run twice: a terminal cut is left alone,
    and a cut left `processing` by a dead worker is computed again."""
    async with ctx.transaction() as session:
        cut = await repo.get(session, cut_id, for_update=True)
        if cut is None or cut.state not in RUNNING:
            return
        asset = await repo.get_asset(session, cut.asset_id)
        if asset is None:
            return
        cut.state = "processing"
        cut.started_at = cut.started_at or utcnow()
        cut.progress = 0.0
        script = cut.script

    tracker = Tracker()

    async def write(fraction: float) -> bool:
        async with ctx.transaction() as session:
            if fraction >= 0:
                await session.execute(
                    update(Cut)
                    .where(Cut.id == cut_id, Cut.state == "processing")
                    .values(progress=round(fraction, 4))
                )
            state = await session.scalar(select(Cut.state).where(Cut.id == cut_id))
            return state != "processing"

    try:
        async with tracker.running(write):
            document = await analyse_asset(
                ctx,
                asset,
                script=script,
                on_progress=tracker.report,
                should_cancel=tracker.cancelled,
            )
    except EngineCancelled:
        return
    except EngineError as exc:
        await _fail(ctx, cut_id, exc.code, exc.message)
        return
    except Exception as exc:
        log.exception("cut failed", extra={"cut_id": cut_id})
        await _fail(ctx, cut_id, "internal_error", f"Unexpected error: {type(exc).__name__}")
        return

    async with ctx.transaction() as session:
        cut = await repo.get(session, cut_id, for_update=True)
        if cut is None or cut.state != "processing":
            return
        cut.state = "completed"
        cut.document = document.to_dict()
        cut.progress = 1.0
        cut.completed_at = utcnow()
        await emit(
            session,
            user_id=cut.user_id,
            event_type="cut.completed",
            data={"entity_id": cut.id, "asset_id": cut.asset_id},
        )


async def _fail(ctx: JobContext, cut_id: str, code: str, message: str) -> None:
    async with ctx.transaction() as session:
        cut = await repo.get(session, cut_id, for_update=True)
        if cut is None or cut.state not in RUNNING:
            return
        cut.state = "failed"
        cut.error_code = code[:64]
        cut.error_message = message
        cut.completed_at = utcnow()
        await emit(
            session,
            user_id=cut.user_id,
            event_type="cut.failed",
            data={"entity_id": cut.id, "asset_id": cut.asset_id},
        )
