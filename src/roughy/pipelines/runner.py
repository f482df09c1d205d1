"""Running one attempt of a step in a worker: claim, run the engine through
`roughy.jobs.run_engine` (whose progress writes here also heartbeat and poll for a cancel),
then record the outcome in one transaction."""

from __future__ import annotations

import logging
import time

from roughy.engine.types import CancelCheck, ProgressCallback
from roughy.jobs import JobContext
from roughy.jobs.engine_job import Cancelled, Failed, run_engine
from roughy.pipelines import service
from roughy.pipelines.processors import PROCESSORS
from roughy.pipelines.service import Claim, StepOutput

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0


class StepMonitor:
    """The progress writer of one attempt: records progress and heartbeats, and learns whether
    a cancel was requested or the attempt was lost (handed to another worker)."""

    def __init__(self, ctx: JobContext, claim: Claim) -> None:
        self.ctx = ctx
        self.claim = claim
        self._last_beat = time.monotonic()
        self.cancel_requested = False
        self.lost = False

    async def write(self, progress: float | None) -> bool:
        heartbeat = time.monotonic() - self._last_beat >= HEARTBEAT_SECONDS
        async with self.ctx.transaction() as session:
            status = await service.tick(session, self.claim, progress=progress, heartbeat=heartbeat)
        if heartbeat:
            self._last_beat = time.monotonic()
        self.lost = status.lost
        self.cancel_requested = status.cancel_requested and not status.lost
        return self.lost or self.cancel_requested


async def run_step(ctx: JobContext, pipeline_id: str, step_id: str) -> None:
    async with ctx.transaction() as session:
        claim = await service.claim_step(session, pipeline_id, step_id)
    if claim is None:
        return
    log.info(
        "pipeline step started",
        extra={"pipeline_id": pipeline_id, "step_id": step_id, "attempt": claim.attempt},
    )
    monitor = StepMonitor(ctx, claim)

    async def work(on_progress: ProgressCallback, should_cancel: CancelCheck) -> StepOutput:
        return await PROCESSORS[claim.processor_name](ctx, claim, on_progress, should_cancel)

    outcome = await run_engine(work, monitor.write, name=f"pipeline step {step_id}")
    if isinstance(outcome, Cancelled):
        await _stopped(ctx, claim, monitor)
    elif isinstance(outcome, Failed):
        await _failed(ctx, claim, monitor, outcome)
    else:
        await _record(ctx, claim, monitor, outcome)


async def _record(ctx: JobContext, claim: Claim, monitor: StepMonitor, output: StepOutput) -> None:
    try:
        async with ctx.transaction() as session:
            recorded = await service.complete_step(session, claim, output)
    except Exception as exc:
        log.exception("recording a finished pipeline step failed", extra={"step_id": claim.step_id})
        ctx.storage.delete(output.storage_key)
        await _failed(
            ctx, claim, monitor, Failed("internal_error", f"Unexpected error: {type(exc).__name__}")
        )
        return
    if not recorded:
        log.warning(
            "discarding the output of a superseded step attempt", extra={"step_id": claim.step_id}
        )
        ctx.storage.delete(output.storage_key)


async def _stopped(ctx: JobContext, claim: Claim, monitor: StepMonitor) -> None:
    if monitor.lost:
        return
    async with ctx.transaction() as session:
        if monitor.cancel_requested:
            await service.stop_step(session, claim)
        else:
            await service.fail_step(session, claim, "cancelled", "The step was stopped.")


async def _failed(ctx: JobContext, claim: Claim, monitor: StepMonitor, failed: Failed) -> None:
    if monitor.lost:
        return
    async with ctx.transaction() as session:
        await service.fail_step(session, claim, failed.code, failed.message)
