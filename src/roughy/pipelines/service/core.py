"""What every part of the pipeline service shares: the step state transitions, the locked view of
a pipeline and its steps, the event stream, and moving a pipeline to a terminal state.

Writers lock the pipeline row first, then its steps, then the event stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from roughy import events
from roughy.auth.models import User
from roughy.credits import service as credits
from roughy.jobs import defer
from roughy.kit import repository as rows
from roughy.kit.clock import utcnow
from roughy.pipelines import repository as repo
from roughy.pipelines.errors import PipelineNotFound
from roughy.pipelines.models import Pipeline, PipelineState, PipelineStep, StepState

RUN_STEP_JOB = "pipelines.run_step"

STEP_TRANSITIONS: dict[StepState, frozenset[StepState]] = {
    StepState.PENDING: frozenset({StepState.RUNNING, StepState.CANCELLED}),
    StepState.RUNNING: frozenset(
        {StepState.COMPLETED, StepState.FAILED, StepState.CANCELLED, StepState.PENDING}
    ),
    StepState.COMPLETED: frozenset({StepState.PENDING}),
    StepState.FAILED: frozenset({StepState.PENDING}),
    StepState.CANCELLED: frozenset({StepState.PENDING}),
}
"""Every move a step may make: claimed, finished, recovered (running -> pending), reset by a
retry (-> pending) or cancelled."""


class IllegalTransition(RuntimeError):
    """A bug: code tried a step move the table does not allow."""


def move_step(step: PipelineStep, to: StepState) -> None:
    if to not in STEP_TRANSITIONS[step.state]:
        raise IllegalTransition(f"step {step.id}: {step.state} -> {to}")
    step.state = to


def stream_name(pipeline_id: str) -> str:
    return f"pipeline:{pipeline_id}"


@dataclass
class Locked:
    """A pipeline and its steps (in order), both locked FOR UPDATE."""

    pipeline: Pipeline
    steps: list[PipelineStep]

    def step(self, step_id: str) -> PipelineStep | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def after(self, step: PipelineStep) -> PipelineStep | None:
        return next((s for s in self.steps if s.position > step.position), None)

    def earlier_done(self, step: PipelineStep) -> bool:
        return all(s.state == StepState.COMPLETED for s in self.steps if s.position < step.position)


async def lock(session: AsyncSession, pipeline_id: str) -> Locked | None:
    pipeline = await repo.get(session, pipeline_id, for_update=True)
    if pipeline is None:
        return None
    return Locked(pipeline, await repo.steps_of(session, pipeline.id, for_update=True))


async def lock_owned(session: AsyncSession, user: User, pipeline_id: str) -> Locked:
    pipeline = await owned(session, user, pipeline_id, for_update=True)
    return Locked(pipeline, await repo.steps_of(session, pipeline.id, for_update=True))


owned = rows.OwnedRows(Pipeline, PipelineNotFound)


# ------------------------------------------------------------------------------------- events


def _pipeline_data(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "pipeline_id": pipeline.id,
        "state": pipeline.state.value,
        "cancel_requested": pipeline.cancel_requested,
        "total_credits_reserved": pipeline.total_credits_reserved,
        "total_credits_consumed": pipeline.total_credits_consumed,
        "total_credits_released": pipeline.total_credits_released,
        "error_code": pipeline.error_code,
        "error_message": pipeline.error_message,
    }


def _step_data(step: PipelineStep) -> dict[str, Any]:
    return {
        "pipeline_id": step.pipeline_id,
        "step_id": step.id,
        "order": step.position,
        "processor_name": step.processor_name.value,
        "state": step.state.value,
        "progress": round(step.progress, 4),
        "attempt": step.attempt,
        "output_asset_id": step.output_asset_id,
        "render_path": step.render_path,
        "fallback_reason": step.fallback_reason,
        "credits_consumed": step.credits_consumed,
        "error_code": step.error_code,
        "error_message": step.error_message,
    }


async def emit_pipeline(session: AsyncSession, pipeline: Pipeline, type: str) -> None:
    await session.flush()
    await events.append(session, stream_name(pipeline.id), type, _pipeline_data(pipeline))


async def emit_step(session: AsyncSession, step: PipelineStep, type: str) -> None:
    await session.flush()
    await events.append(session, stream_name(step.pipeline_id), type, _step_data(step))


# ---------------------------------------------------------------------------- running, finishing


async def queue_step(session: AsyncSession, step: PipelineStep) -> None:
    await defer(session, RUN_STEP_JOB, queue="cpu", pipeline_id=step.pipeline_id, step_id=step.id)


async def finish(
    session: AsyncSession,
    locked: Locked,
    state: PipelineState,
    *,
    error_code: str | None = None,
    error_message: str | None = None,
) -> None:
    """Move the pipeline to a terminal state, settle the ledger (RELEASE) and announce it."""
    pipeline = locked.pipeline
    now = utcnow()
    if state == PipelineState.CANCELLED:
        for step in locked.steps:
            if step.state == StepState.RUNNING:
                move_step(step, StepState.CANCELLED)
                step.completed_at = now
                step.error_code, step.error_message = "cancelled", "Cancelled on request."
                await emit_step(session, step, "step.cancelled")
            elif step.state == StepState.PENDING:
                move_step(step, StepState.CANCELLED)
                step.completed_at = None
    pipeline.state = state
    pipeline.error_code, pipeline.error_message = error_code, error_message
    pipeline.completed_at = now
    pipeline.total_credits_released += await credits.release(session, pipeline.user_id, pipeline.id)
    await emit_pipeline(session, pipeline, f"pipeline.{state.value}")


async def fail(
    session: AsyncSession,
    locked: Locked,
    step: PipelineStep,
    code: str,
    message: str,
    pipeline_message: str,
) -> None:
    """The step fails with `message`, then the pipeline with `pipeline_message`."""
    move_step(step, StepState.FAILED)
    step.error_code, step.error_message = code, message[:2000]
    step.completed_at = utcnow()
    await emit_step(session, step, "step.failed")
    await finish(
        session,
        locked,
        PipelineState.FAILED,
        error_code=code,
        error_message=pipeline_message[:2000],
    )
