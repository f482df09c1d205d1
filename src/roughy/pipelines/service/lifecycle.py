"""What the API does to a pipeline: read, create (HOLD), cancel and retry."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.auth.models import User
from roughy.config import Settings
from roughy.credits import service as credits
from roughy.kit import repository as rows
from roughy.kit.pagination import PageParams, Slice
from roughy.pipelines import pricing
from roughy.pipelines import repository as repo
from roughy.pipelines.errors import (
    PipelineStateConflict,
    PricingTokenMismatch,
    PricingTokenUsed,
    StepNotFound,
)
from roughy.pipelines.models import (
    TERMINAL_PIPELINE_STATES,
    Pipeline,
    PipelineState,
    PipelineStep,
    StepState,
)
from roughy.pipelines.schemas import PipelineCreate, PipelineOut
from roughy.pipelines.service.core import (
    Locked,
    emit_pipeline,
    emit_step,
    finish,
    lock_owned,
    move_step,
    owned,
    queue_step,
)
from roughy.pipelines.service.quotes import (
    StepPlan,
    check_input_fits,
    input_asset,
    normalise_steps,
    plan_steps,
)

RETRYABLE = (StepState.FAILED, StepState.CANCELLED)


async def get(session: AsyncSession, user: User, pipeline_id: str) -> PipelineOut:
    pipeline = await owned(session, user, pipeline_id)
    return PipelineOut.of(pipeline, await repo.steps_of(session, pipeline.id))


async def get_owned(session: AsyncSession, user: User, pipeline_id: str) -> Pipeline:
    """The pipeline row, or 404 (for the event stream's access check)."""
    return await owned(session, user, pipeline_id)


async def list_pipelines(session: AsyncSession, user: User, page: PageParams) -> Slice[PipelineOut]:
    found = await rows.list_owned(session, Pipeline, user.id, page)
    steps = await repo.steps_of_many(session, [p.id for p in found.rows])
    by_pipeline: dict[str, list[PipelineStep]] = {}
    for step in steps:
        by_pipeline.setdefault(step.pipeline_id, []).append(step)
    return Slice(
        rows=[PipelineOut.of(p, by_pipeline.get(p.id, [])) for p in found.rows], total=found.total
    )


async def _hold(session: AsyncSession, pipeline: Pipeline, amount: int) -> None:
    if amount > 0:
        await credits.hold(session, pipeline.user_id, pipeline.id, amount)
    pipeline.total_credits_reserved += amount


def _new_step(index: int, plan: StepPlan) -> PipelineStep:
    return PipelineStep(
        position=index,
        processor_name=plan.processor_name,
        config=plan.config,
        state=StepState.PENDING,
        progress=0.0,
        attempt=0,
        recoveries=0,
        usage_units=pricing.decimal_string(plan.usage_units),
        credits_per_unit=pricing.decimal_string(plan.credits_per_unit),
        credits_reserved=plan.credits,
        credits_consumed=0,
    )


async def create(
    session: AsyncSession, settings: Settings, user: User, body: PipelineCreate
) -> PipelineOut:
    """Verify the quote, HOLD its credits, create the pipeline and queue its first step."""
    claims = pricing.verify_token(settings.signing_key, body.pricing_token)
    if claims.user_id != user.id:
        raise PricingTokenMismatch("The pricing token was issued to another account.")
    shape = normalise_steps(body.steps)
    if claims.input_asset_id not in (None, body.input_asset_id):
        raise PricingTokenMismatch("The pricing token was issued for another input asset.")
    if pricing.shape_hash(claims.input_asset_id, shape) != claims.shape_hash:
        raise PricingTokenMismatch("The steps differ from the ones the pricing token quotes.")
    asset = await input_asset(session, user, body.input_asset_id)
    check_input_fits(shape, asset)
    plans = plan_steps(settings, shape, asset, [s.usage_units for s in body.steps])
    if claims.input_asset_id is None and sum(p.credits for p in plans) > claims.total_credits:
        raise PricingTokenMismatch(
            "The quoted usage does not cover this input asset; estimate with input_asset_id."
        )
    pipeline = Pipeline(
        user_id=user.id,
        project_id=asset.project_id,
        input_asset_id=asset.id,
        state=PipelineState.PENDING,
        cancel_requested=False,
        shape_hash=claims.shape_hash,
        total_credits_reserved=0,
        total_credits_consumed=0,
        total_credits_released=0,
    )
    steps = [_new_step(index, plan) for index, plan in enumerate(plans)]
    await repo.add(session, pipeline, steps)
    if not await repo.claim_pricing_token(session, claims.token_id, pipeline.id):
        raise PricingTokenUsed()
    await _hold(session, pipeline, claims.total_credits)
    await emit_pipeline(session, pipeline, "pipeline.created")
    await queue_step(session, steps[0])
    await session.flush()
    return PipelineOut.of(pipeline, steps)


async def cancel(session: AsyncSession, user: User, pipeline_id: str) -> PipelineOut:
    """Pending (or between steps): cancelled at once, hold released. Running: the running step
    is asked to stop; the worker finishes the cancel when it has."""
    locked = await lock_owned(session, user, pipeline_id)
    pipeline = locked.pipeline
    if pipeline.state == PipelineState.CANCELLED:
        return PipelineOut.of(pipeline, locked.steps)
    if pipeline.state in TERMINAL_PIPELINE_STATES:
        raise PipelineStateConflict(f"A {pipeline.state} pipeline cannot be cancelled.")
    pipeline.cancel_requested = True
    if any(step.state == StepState.RUNNING for step in locked.steps):
        await emit_pipeline(session, pipeline, "pipeline.cancel_requested")
    else:
        await finish(session, locked, PipelineState.CANCELLED)
    return PipelineOut.of(pipeline, locked.steps)


def _reset(step: PipelineStep, plan: StepPlan) -> None:
    move_step(step, StepState.PENDING)
    step.progress = 0.0
    step.recoveries = 0
    step.usage_units = pricing.decimal_string(plan.usage_units)
    step.credits_per_unit = pricing.decimal_string(plan.credits_per_unit)
    step.credits_reserved = plan.credits
    step.output_asset_id = None
    step.cut_document = None
    step.render_path = step.fallback_reason = None
    step.error_code = step.error_message = None
    step.started_at = step.completed_at = None
    step.worker = None
    step.heartbeat_at = None


async def _restart(
    session: AsyncSession, settings: Settings, user: User, locked: Locked, first: int
) -> PipelineOut:
    pipeline, steps = locked.pipeline, locked.steps
    if pipeline.state not in (PipelineState.FAILED, PipelineState.CANCELLED):
        raise PipelineStateConflict(
            f"Only failed or cancelled pipelines can be retried; this one is {pipeline.state}."
        )
    asset = await input_asset(session, user, pipeline.input_asset_id)
    shape = [(s.processor_name, s.config) for s in steps]
    plans = plan_steps(settings, shape, asset, [None] * len(steps))
    again = [
        (step, plan) for step, plan in zip(steps, plans, strict=True) if step.position >= first
    ]
    await _hold(session, pipeline, sum(plan.credits for _, plan in again))
    for step, plan in again:
        _reset(step, plan)
    pipeline.state = PipelineState.PENDING
    pipeline.cancel_requested = False
    pipeline.error_code = pipeline.error_message = None
    pipeline.completed_at = None
    for step, _ in again:
        await emit_step(session, step, "step.reset")
    await emit_pipeline(session, pipeline, "pipeline.retried")
    await queue_step(session, again[0][0])
    return PipelineOut.of(pipeline, steps)


async def retry(
    session: AsyncSession, settings: Settings, user: User, pipeline_id: str
) -> PipelineOut:
    """Run a failed or cancelled pipeline again from its first step, on a fresh hold at current
    prices. Credits already committed stay committed."""
    locked = await lock_owned(session, user, pipeline_id)
    return await _restart(session, settings, user, locked, 0)


async def retry_step(
    session: AsyncSession, settings: Settings, user: User, pipeline_id: str, step_id: str
) -> PipelineOut:
    """Re-run a failed (or cancelled) step and everything after it; earlier outputs are kept."""
    locked = await lock_owned(session, user, pipeline_id)
    step = locked.step(step_id)
    if step is None:
        raise StepNotFound()
    if step.state not in RETRYABLE:
        raise PipelineStateConflict(
            f"Only a failed or cancelled step can be retried; this one is {step.state}."
        )
    if not locked.earlier_done(step):
        raise PipelineStateConflict(
            "An earlier step has not completed; retry the whole pipeline instead."
        )
    return await _restart(session, settings, user, locked, step.position)
