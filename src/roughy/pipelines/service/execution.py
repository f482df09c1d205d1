"""What a worker does to a step: claim an attempt, tick (progress, heartbeat, cancel), and record
the outcome (output asset, one COMMIT per attempt, next step or finish); recovery of stalled
steps. An attempt may finish only while the step still carries its attempt number."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.assets import service as assets
from roughy.assets.models import Asset
from roughy.credits import service as credits
from roughy.kit.clock import utcnow
from roughy.pipelines import pricing
from roughy.pipelines import repository as repo
from roughy.pipelines.models import (
    TERMINAL_PIPELINE_STATES,
    PipelineState,
    PipelineStep,
    ProcessorName,
    StepState,
)
from roughy.pipelines.service.core import (
    Locked,
    emit_pipeline,
    emit_step,
    fail,
    finish,
    lock,
    move_step,
    queue_step,
)

log = logging.getLogger(__name__)

MAX_RECOVERIES = 2
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Claim:
    """What a worker needs to run one attempt of a step (plain values, no ORM rows)."""

    pipeline_id: str
    step_id: str
    attempt: int
    position: int
    user_id: str
    project_id: str
    processor_name: ProcessorName
    config: dict[str, Any]
    input_asset: Asset
    cut_document: dict[str, Any] | None
    credits_per_unit: str
    credits_reserved: int


@dataclass(frozen=True)
class StepOutput:
    """A step's product, already in storage under `storage_key`."""

    asset_id: str
    asset_type: str
    storage_key: str
    size_bytes: int
    content_type: str
    extension: str
    filename: str
    duration_us: int | None
    billable_us: int
    cut_document: dict[str, Any] | None = None
    render_path: str | None = None
    fallback_reason: str | None = None


async def claim_step(session: AsyncSession, pipeline_id: str, step_id: str) -> Claim | None:
    """Take a pending step (attempt + 1) if its pipeline is live and every earlier step is done.

    None when there is nothing to do: the step is already running or finished (a duplicate or
    replayed job), or the pipeline ended. A pipeline whose cancel was requested is finished here.
    """
    locked = await lock(session, pipeline_id)
    if locked is None or locked.pipeline.state in TERMINAL_PIPELINE_STATES:
        return None
    step = locked.step(step_id)
    if step is None or step.state != StepState.PENDING:
        return None
    if locked.pipeline.cancel_requested:
        await finish(session, locked, PipelineState.CANCELLED)
        return None
    if not locked.earlier_done(step):
        log.warning("step queued before its predecessors finished", extra={"step_id": step_id})
        return None
    asset = await assets.load(session, locked.pipeline.input_asset_id)
    if asset is None:
        return None
    await _start(session, locked, step)
    return _claim(locked, step, asset)


async def _start(session: AsyncSession, locked: Locked, step: PipelineStep) -> None:
    now = utcnow()
    move_step(step, StepState.RUNNING)
    step.attempt += 1
    step.progress = 0.0
    step.worker = WORKER_NAME
    step.heartbeat_at = now
    step.started_at = now
    step.completed_at = None
    step.error_code = step.error_message = None
    pipeline = locked.pipeline
    if pipeline.state == PipelineState.PENDING:
        pipeline.state = PipelineState.RUNNING
        pipeline.started_at = pipeline.started_at or now
        await emit_pipeline(session, pipeline, "pipeline.running")
    await emit_step(session, step, "step.running")


def _claim(locked: Locked, step: PipelineStep, asset: Asset) -> Claim:
    pipeline = locked.pipeline
    cut_document = None
    cut_order = step.config.get("cut_step_order")
    if step.processor_name == ProcessorName.RENDER and cut_order is not None:
        cut_document = locked.steps[int(cut_order)].cut_document
    return Claim(
        pipeline_id=pipeline.id,
        step_id=step.id,
        attempt=step.attempt,
        position=step.position,
        user_id=pipeline.user_id,
        project_id=pipeline.project_id,
        processor_name=step.processor_name,
        config=dict(step.config),
        input_asset=asset,
        cut_document=cut_document,
        credits_per_unit=step.credits_per_unit,
        credits_reserved=step.credits_reserved,
    )


@dataclass(frozen=True)
class TickStatus:
    cancel_requested: bool
    lost: bool


async def tick(
    session: AsyncSession, claim: Claim, *, progress: float | None, heartbeat: bool
) -> TickStatus:
    """The running worker's periodic call: record progress and/or a heartbeat, and learn whether
    to stop (cancel requested, or the step no longer belongs to this attempt)."""
    if progress is None and not heartbeat:
        found = await repo.step_state(session, claim.step_id)
        if found is None:
            return TickStatus(cancel_requested=False, lost=True)
        state, attempt, cancel_requested = found
        return TickStatus(
            cancel_requested, lost=state != StepState.RUNNING or attempt != claim.attempt
        )
    locked = await lock(session, claim.pipeline_id)
    step = None if locked is None else locked.step(claim.step_id)
    if locked is None or step is None:
        return TickStatus(cancel_requested=False, lost=True)
    cancel_requested = locked.pipeline.cancel_requested
    if step.state != StepState.RUNNING or step.attempt != claim.attempt:
        return TickStatus(cancel_requested, lost=True)
    step.heartbeat_at = utcnow()
    if progress is not None and progress > step.progress:
        step.progress = progress
        await emit_step(session, step, "step.progress")
    return TickStatus(cancel_requested, lost=False)


async def _current_attempt(
    session: AsyncSession, claim: Claim
) -> tuple[Locked, PipelineStep] | None:
    """The pipeline locked with the claimed step, if that step still runs this attempt."""
    locked = await lock(session, claim.pipeline_id)
    step = None if locked is None else locked.step(claim.step_id)
    if locked is None or step is None:
        return None
    if step.state != StepState.RUNNING or step.attempt != claim.attempt:
        return None
    return locked, step


async def complete_step(session: AsyncSession, claim: Claim, output: StepOutput) -> bool:
    """Record a finished attempt: the output asset, exactly one COMMIT for this attempt, then
    queue the next step or finish the pipeline. False if the attempt is no longer current."""
    current = await _current_attempt(session, claim)
    if current is None:
        return False
    locked, step = current
    pipeline = locked.pipeline
    await assets.add_output(
        session,
        asset_id=output.asset_id,
        user_id=pipeline.user_id,
        project_id=pipeline.project_id,
        type=output.asset_type,
        storage_key=output.storage_key,
        size_bytes=output.size_bytes,
        content_type=output.content_type,
        extension=output.extension,
        filename=output.filename,
        duration_us=output.duration_us,
    )
    await _commit_usage(session, locked, step, output.billable_us)
    move_step(step, StepState.COMPLETED)
    step.progress = 1.0
    step.output_asset_id = output.asset_id
    step.cut_document = output.cut_document
    step.render_path = output.render_path
    step.fallback_reason = output.fallback_reason
    step.completed_at = utcnow()
    await emit_step(session, step, "step.completed")
    following = locked.after(step)
    if pipeline.cancel_requested:
        await finish(session, locked, PipelineState.CANCELLED)
    elif following is not None:
        await queue_step(session, following)
    else:
        await finish(session, locked, PipelineState.COMPLETED)
    return True


async def _commit_usage(
    session: AsyncSession, locked: Locked, step: PipelineStep, billable_us: int
) -> None:
    """One COMMIT per (step, attempt), never above the step's reserve."""
    pipeline = locked.pipeline
    if not await repo.record_charge(session, step.id, step.attempt, pipeline.id):
        return
    owed = pricing.credits(pricing.units_from_us(billable_us), Decimal(step.credits_per_unit))
    committed = await credits.commit(
        session, pipeline.user_id, pipeline.id, min(owed, step.credits_reserved)
    )
    await repo.set_charge_credits(session, step.id, step.attempt, committed)
    step.credits_consumed += committed
    pipeline.total_credits_consumed += committed


async def fail_step(session: AsyncSession, claim: Claim, code: str, message: str) -> bool:
    """Record a failed attempt: the step and the pipeline fail and the hold is released (a step
    that failed because it was asked to stop is recorded as cancelled instead)."""
    current = await _current_attempt(session, claim)
    if current is None:
        return False
    locked, step = current
    if locked.pipeline.cancel_requested:
        await finish(session, locked, PipelineState.CANCELLED)
        return True
    pipeline_message = f"Step {step.position} ({step.processor_name}) failed: {message}"
    await fail(session, locked, step, code, message, pipeline_message)
    return True


async def stop_step(session: AsyncSession, claim: Claim) -> bool:
    """The attempt stopped because a cancel was requested: finish the cancel."""
    current = await _current_attempt(session, claim)
    if current is None:
        return False
    await finish(session, current[0], PipelineState.CANCELLED)
    return True


async def recover_stalled_steps(session: AsyncSession, *, stalled_after_seconds: float) -> int:
    """Running steps whose worker stopped beating (killed, machine lost) are queued again, or
    failed after MAX_RECOVERIES; a pending cancel is finished. Returns how many were handled."""
    before = utcnow() - timedelta(seconds=stalled_after_seconds)
    handled = 0
    for pipeline_id, step_id in await repo.stalled_steps(session, before):
        locked = await lock(session, pipeline_id)
        step = None if locked is None else locked.step(step_id)
        if locked is None or step is None or step.state != StepState.RUNNING:
            continue
        if (step.heartbeat_at or step.updated_at) >= before:
            continue
        handled += 1
        log.warning(
            "recovering stalled pipeline step",
            extra={"pipeline_id": pipeline_id, "step_id": step_id, "worker": step.worker},
        )
        await _recover(session, locked, step)
    return handled


async def _recover(session: AsyncSession, locked: Locked, step: PipelineStep) -> None:
    if locked.pipeline.cancel_requested:
        await finish(session, locked, PipelineState.CANCELLED)
    elif step.recoveries >= MAX_RECOVERIES:
        lost = "The worker running this step stopped responding repeatedly."
        await fail(session, locked, step, "worker_lost", lost, lost)
    else:
        move_step(step, StepState.PENDING)
        step.recoveries += 1
        step.progress = 0.0
        step.heartbeat_at = None
        await emit_step(session, step, "step.recovered")
        await queue_step(session, step)
