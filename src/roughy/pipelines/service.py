"""Pipeline rules: quoting, creating (HOLD), running steps (COMMIT per step), finishing (RELEASE),
cancel, retry and recovery. Every state change appends an event to the pipeline's stream in the
same transaction. Writers lock the pipeline row first, then its steps, then the event stream."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from roughy import events
from roughy.assets import service as assets
from roughy.assets.models import Asset
from roughy.auth.models import User
from roughy.config import Settings
from roughy.credits import service as credits
from roughy.jobs import defer
from roughy.kit import repository as rows
from roughy.kit.clock import utcnow
from roughy.kit.pagination import PageParams, Slice
from roughy.pipelines import pricing
from roughy.pipelines import repository as repo
from roughy.pipelines.errors import (
    AssetNotReady,
    InputAssetNotFound,
    InvalidPipeline,
    PipelineNotFound,
    PipelineStateConflict,
    PricingTokenMismatch,
    StepNotFound,
    UsageUnitsRequired,
)
from roughy.pipelines.models import Pipeline, PipelineStep
from roughy.pipelines.schemas import (
    TERMINAL_PIPELINE_STATES,
    CutConfig,
    EstimateRequest,
    EstimateResponse,
    PipelineCreate,
    PipelineOut,
    RenderConfig,
    StepEstimate,
    StepOut,
    StepSpec,
)

log = logging.getLogger(__name__)

RUN_STEP_JOB = "pipelines.run_step"
MAX_RECOVERIES = 2
STALLED_STEP_SECONDS = 60.0
INPUT_TYPES = frozenset({"audio", "video"})
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


def stream_name(pipeline_id: str) -> str:
    return f"pipeline:{pipeline_id}"


# ----------------------------------------------------------------------------- definitions


@dataclass(frozen=True)
class StepPlan:
    processor_name: str
    config: dict[str, Any]
    usage_units: Decimal
    credits_per_unit: Decimal
    credits: int


def normalise_steps(specs: list[StepSpec]) -> list[tuple[str, dict[str, Any]]]:
    """Validate every step's config and fill in its defaults (the canonical shape)."""
    out: list[tuple[str, dict[str, Any]]] = []
    for index, spec in enumerate(specs):
        model = CutConfig if spec.processor_name == "cut" else RenderConfig
        try:
            config = model.model_validate(spec.config)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}"
                for e in exc.errors()
            )
            raise InvalidPipeline(f"steps[{index}].config is invalid: {problems}") from exc
        if isinstance(config, RenderConfig) and config.cut_step_order is not None:
            order = config.cut_step_order
            if order >= index or specs[order].processor_name != "cut":
                raise InvalidPipeline(
                    f"steps[{index}].config.cut_step_order must be the index of an earlier "
                    "cut step."
                )
        out.append((spec.processor_name.value, config.model_dump(mode="json")))
    return out


def _units_for(asset: Asset | None, spec: StepSpec, index: int) -> Decimal:
    if asset is not None:
        return pricing.units_from_us(asset.duration_us or 0)
    if spec.usage_units is None:
        raise UsageUnitsRequired(
            f"steps[{index}].usage_units is required when no input_asset_id is given."
        )
    try:
        return Decimal(spec.usage_units)
    except InvalidOperation as exc:  # pragma: no cover - the schema pattern rejects these
        raise UsageUnitsRequired(f"steps[{index}].usage_units is not a decimal.") from exc


def plan_steps(
    settings: Settings,
    specs: list[StepSpec],
    shape: list[tuple[str, dict[str, Any]]],
    asset: Asset | None,
) -> list[StepPlan]:
    """Price every step at current rates. With an input asset, usage comes from its duration
    (a render's output is estimated by the input's length until the cut is known)."""
    plans: list[StepPlan] = []
    for index, (spec, (name, config)) in enumerate(zip(specs, shape, strict=True)):
        units = _units_for(asset, spec, index)
        per_unit = pricing.rate(settings, name)
        plans.append(StepPlan(name, config, units, per_unit, pricing.credits(units, per_unit)))
    return plans


async def _input_asset(session: AsyncSession, user: User, asset_id: str) -> Asset:
    asset = await assets.get_owned(session, user.id, asset_id, not_found=InputAssetNotFound)
    if asset.type not in INPUT_TYPES or asset.origin != "upload":
        raise AssetNotReady("Only uploaded audio or video assets can be a pipeline's input.")
    if asset.state != "ready" or not asset.duration_us or not asset.storage_key:
        raise AssetNotReady(f"The input asset is {asset.state}; it must be ready.")
    return asset


# ----------------------------------------------------------------------------- quoting


async def estimate(
    session: AsyncSession, settings: Settings, user: User, body: EstimateRequest
) -> EstimateResponse:
    shape = normalise_steps(body.steps)
    asset = None
    if body.input_asset_id is not None:
        asset = await _input_asset(session, user, body.input_asset_id)
    plans = plan_steps(settings, body.steps, shape, asset)
    total = sum(p.credits for p in plans)
    token, expires = pricing.issue_token(
        settings.signing_key,
        user_id=user.id,
        total_credits=total,
        shape=pricing.shape_hash(body.input_asset_id, shape),
        input_asset_id=body.input_asset_id,
    )
    return EstimateResponse(
        pricing_token=token,
        steps=[
            StepEstimate(
                processor_name=p.processor_name,  # type: ignore[arg-type]
                usage_units=pricing.decimal_string(p.usage_units),
                credits_per_unit=pricing.decimal_string(p.credits_per_unit),
                credits=p.credits,
            )
            for p in plans
        ],
        total_credits=total,
        expires_at=expires,
    )


# ----------------------------------------------------------------------------- events


def _pipeline_data(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "pipeline_id": pipeline.id,
        "state": pipeline.state,
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
        "processor_name": step.processor_name,
        "state": step.state,
        "progress": round(step.progress, 4),
        "attempt": step.attempt,
        "output_asset_id": step.output_asset_id,
        "credits_consumed": step.credits_consumed,
        "error_code": step.error_code,
        "error_message": step.error_message,
    }


async def _emit_pipeline(session: AsyncSession, pipeline: Pipeline, type: str) -> None:
    await events.append(session, stream_name(pipeline.id), type, _pipeline_data(pipeline))


async def _emit_step(session: AsyncSession, step: PipelineStep, type: str) -> None:
    await events.append(session, stream_name(step.pipeline_id), type, _step_data(step))


# ----------------------------------------------------------------------------- views


def view(pipeline: Pipeline, steps: list[PipelineStep]) -> PipelineOut:
    progress = (sum(s.progress for s in steps) / len(steps)) if steps else 0.0
    if pipeline.state == "completed":
        progress = 1.0
    return PipelineOut(
        id=pipeline.id,
        state=pipeline.state,  # type: ignore[arg-type]
        input_asset_id=pipeline.input_asset_id,
        project_id=pipeline.project_id,
        cancel_requested=pipeline.cancel_requested,
        progress=round(progress, 4),
        steps=[
            StepOut(
                id=s.id,
                order=s.position,
                processor_name=s.processor_name,  # type: ignore[arg-type]
                config=s.config,
                state=s.state,  # type: ignore[arg-type]
                progress=round(s.progress, 4),
                attempt=s.attempt,
                usage_units=s.usage_units,
                credits_per_unit=s.credits_per_unit,
                credits_reserved=s.credits_reserved,
                credits_consumed=s.credits_consumed,
                output_asset_id=s.output_asset_id,
                error_code=s.error_code,
                error_message=s.error_message,
                started_at=s.started_at,
                completed_at=s.completed_at,
            )
            for s in steps
        ],
        output_asset_ids=[s.output_asset_id for s in steps if s.output_asset_id],
        total_credits_reserved=pipeline.total_credits_reserved,
        total_credits_consumed=pipeline.total_credits_consumed,
        total_credits_released=pipeline.total_credits_released,
        credits_held=pipeline.total_credits_reserved
        - pipeline.total_credits_consumed
        - pipeline.total_credits_released,
        error_code=pipeline.error_code,
        error_message=pipeline.error_message,
        created_at=pipeline.created_at,
        updated_at=pipeline.updated_at,
        started_at=pipeline.started_at,
        completed_at=pipeline.completed_at,
    )


async def _owned(
    session: AsyncSession, user: User, pipeline_id: str, *, for_update: bool = False
) -> Pipeline:
    return await rows.get_owned(
        session, Pipeline, user.id, pipeline_id, PipelineNotFound, for_update=for_update
    )


async def get(session: AsyncSession, user: User, pipeline_id: str) -> PipelineOut:
    pipeline = await _owned(session, user, pipeline_id)
    return view(pipeline, await repo.steps_of(session, pipeline.id))


async def get_owned(session: AsyncSession, user: User, pipeline_id: str) -> Pipeline:
    """The pipeline row, or 404 (for the event stream's access check)."""
    return await _owned(session, user, pipeline_id)


async def list_pipelines(session: AsyncSession, user: User, page: PageParams) -> Slice[PipelineOut]:
    found = await repo.list_owned(session, user.id, page)
    steps = await repo.steps_of_many(session, [p.id for p in found.rows])
    by_pipeline: dict[str, list[PipelineStep]] = {}
    for step in steps:
        by_pipeline.setdefault(step.pipeline_id, []).append(step)
    return Slice(rows=[view(p, by_pipeline.get(p.id, [])) for p in found.rows], total=found.total)


# ----------------------------------------------------------------------------- create


async def _hold(session: AsyncSession, pipeline: Pipeline, amount: int) -> None:
    if amount > 0:
        await credits.hold(session, pipeline.user_id, pipeline.id, amount)
    pipeline.total_credits_reserved += amount


async def _release(session: AsyncSession, pipeline: Pipeline) -> None:
    pipeline.total_credits_released += await credits.release(session, pipeline.user_id, pipeline.id)


async def _queue_step(session: AsyncSession, step: PipelineStep) -> None:
    await defer(session, RUN_STEP_JOB, queue="cpu", pipeline_id=step.pipeline_id, step_id=step.id)


def _new_step(index: int, plan: StepPlan) -> PipelineStep:
    return PipelineStep(
        position=index,
        processor_name=plan.processor_name,
        config=plan.config,
        state="pending",
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
    asset = await _input_asset(session, user, body.input_asset_id)
    plans = plan_steps(settings, body.steps, shape, asset)
    if claims.input_asset_id is None and sum(p.credits for p in plans) > claims.total_credits:
        raise PricingTokenMismatch(
            "The quoted usage does not cover this input asset; estimate with input_asset_id."
        )
    pipeline = Pipeline(
        user_id=user.id,
        project_id=asset.project_id,
        input_asset_id=asset.id,
        state="pending",
        cancel_requested=False,
        shape_hash=claims.shape_hash,
        total_credits_reserved=0,
        total_credits_consumed=0,
        total_credits_released=0,
    )
    steps = [_new_step(index, plan) for index, plan in enumerate(plans)]
    await repo.add(session, pipeline, steps)
    await _hold(session, pipeline, claims.total_credits)
    await _emit_pipeline(session, pipeline, "pipeline.created")
    await _queue_step(session, steps[0])
    await session.flush()
    return view(pipeline, steps)


# ----------------------------------------------------------------------------- finishing


async def _finish(
    session: AsyncSession,
    pipeline: Pipeline,
    steps: list[PipelineStep],
    state: str,
    *,
    error_code: str | None = None,
    error_message: str | None = None,
) -> None:
    """Move the pipeline to a terminal state, settle the ledger and announce it."""
    now = utcnow()
    if state == "cancelled":
        for step in steps:
            if step.state in ("pending", "running"):
                was_running = step.state == "running"
                step.state = "cancelled"
                step.completed_at = now if was_running else None
                if was_running:
                    step.error_code, step.error_message = "cancelled", "Cancelled on request."
                    await _emit_step(session, step, "step.cancelled")
    pipeline.state = state
    pipeline.error_code, pipeline.error_message = error_code, error_message
    pipeline.completed_at = now
    await _release(session, pipeline)
    await session.flush()
    await _emit_pipeline(session, pipeline, f"pipeline.{state}")


async def cancel(session: AsyncSession, user: User, pipeline_id: str) -> PipelineOut:
    """Pending (or between steps): cancelled at once, hold released. Running: the running step
    is asked to stop; the worker finishes the cancel when it has."""
    pipeline = await _owned(session, user, pipeline_id, for_update=True)
    steps = await repo.steps_of(session, pipeline.id, for_update=True)
    if pipeline.state == "cancelled":
        return view(pipeline, steps)
    if pipeline.state in TERMINAL_PIPELINE_STATES:
        raise PipelineStateConflict(f"A {pipeline.state} pipeline cannot be cancelled.")
    pipeline.cancel_requested = True
    if any(step.state == "running" for step in steps):
        await session.flush()
        await _emit_pipeline(session, pipeline, "pipeline.cancel_requested")
    else:
        await _finish(session, pipeline, steps, "cancelled")
    return view(pipeline, steps)


def _reset(step: PipelineStep, plan: StepPlan) -> None:
    step.state = "pending"
    step.progress = 0.0
    step.recoveries = 0
    step.usage_units = pricing.decimal_string(plan.usage_units)
    step.credits_per_unit = pricing.decimal_string(plan.credits_per_unit)
    step.credits_reserved = plan.credits
    step.output_asset_id = None
    step.cut_document = None
    step.error_code = step.error_message = None
    step.started_at = step.completed_at = None
    step.worker = None
    step.heartbeat_at = None


async def _restart(
    session: AsyncSession,
    settings: Settings,
    user: User,
    pipeline: Pipeline,
    steps: list[PipelineStep],
    first: int,
) -> PipelineOut:
    if pipeline.state not in ("failed", "cancelled"):
        raise PipelineStateConflict(
            f"Only failed or cancelled pipelines can be retried; this one is {pipeline.state}."
        )
    asset = await _input_asset(session, user, pipeline.input_asset_id)
    specs = [StepSpec(processor_name=s.processor_name, config=s.config) for s in steps]  # type: ignore[arg-type]
    plans = plan_steps(settings, specs, [(s.processor_name, s.config) for s in steps], asset)
    again = [
        (step, plan) for step, plan in zip(steps, plans, strict=True) if step.position >= first
    ]
    await _hold(session, pipeline, sum(plan.credits for _, plan in again))
    for step, plan in again:
        _reset(step, plan)
    pipeline.state = "pending"
    pipeline.cancel_requested = False
    pipeline.error_code = pipeline.error_message = None
    pipeline.completed_at = None
    await session.flush()
    for step, _ in again:
        await _emit_step(session, step, "step.reset")
    await _emit_pipeline(session, pipeline, "pipeline.retried")
    await _queue_step(session, again[0][0])
    return view(pipeline, steps)


async def retry(
    session: AsyncSession, settings: Settings, user: User, pipeline_id: str
) -> PipelineOut:
    """Run a failed or cancelled pipeline again from its first step, on a fresh hold at current
    prices. Credits already committed stay committed."""
    pipeline = await _owned(session, user, pipeline_id, for_update=True)
    steps = await repo.steps_of(session, pipeline.id, for_update=True)
    return await _restart(session, settings, user, pipeline, steps, 0)


async def retry_step(
    session: AsyncSession, settings: Settings, user: User, pipeline_id: str, step_id: str
) -> PipelineOut:
    """Re-run a failed (or cancelled) step and everything after it; earlier outputs are kept."""
    pipeline = await _owned(session, user, pipeline_id, for_update=True)
    steps = await repo.steps_of(session, pipeline.id, for_update=True)
    step = next((s for s in steps if s.id == step_id), None)
    if step is None:
        raise StepNotFound()
    if step.state not in ("failed", "cancelled"):
        raise PipelineStateConflict(
            f"Only a failed or cancelled step can be retried; this one is {step.state}."
        )
    if any(s.state != "completed" for s in steps if s.position < step.position):
        raise PipelineStateConflict(
            "An earlier step has not completed; retry the whole pipeline instead."
        )
    return await _restart(session, settings, user, pipeline, steps, step.position)


# ----------------------------------------------------------------------------- execution


@dataclass(frozen=True)
class Claim:
    """What a worker needs to run one attempt of a step (plain values, no ORM rows)."""

    pipeline_id: str
    step_id: str
    attempt: int
    position: int
    user_id: str
    project_id: str
    processor_name: str
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


async def claim_step(session: AsyncSession, pipeline_id: str, step_id: str) -> Claim | None:
    """Take a pending step (attempt + 1) if its pipeline is live and every earlier step is done.

    None when there is nothing to do: the step is already running or finished (a duplicate or
    replayed job), or the pipeline ended. A pipeline whose cancel was requested is finished here.
    """
    pipeline = await repo.get(session, pipeline_id, for_update=True)
    if pipeline is None or pipeline.state in TERMINAL_PIPELINE_STATES:
        return None
    steps = await repo.steps_of(session, pipeline.id, for_update=True)
    step = next((s for s in steps if s.id == step_id), None)
    if step is None or step.state != "pending":
        return None
    if pipeline.cancel_requested:
        await _finish(session, pipeline, steps, "cancelled")
        return None
    if any(s.state != "completed" for s in steps if s.position < step.position):
        log.warning("step queued before its predecessors finished", extra={"step_id": step_id})
        return None
    asset = await assets.load(session, pipeline.input_asset_id)
    if asset is None:
        return None
    cut_document = None
    cut_order = step.config.get("cut_step_order") if step.processor_name == "render" else None
    if cut_order is not None:
        cut_document = steps[int(cut_order)].cut_document
    now = utcnow()
    step.state = "running"
    step.attempt += 1
    step.progress = 0.0
    step.worker = WORKER_NAME
    step.heartbeat_at = now
    step.started_at = now
    step.completed_at = None
    step.error_code = step.error_message = None
    if pipeline.state == "pending":
        pipeline.state = "running"
        pipeline.started_at = pipeline.started_at or now
        await session.flush()
        await _emit_pipeline(session, pipeline, "pipeline.running")
    await session.flush()
    await _emit_step(session, step, "step.running")
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
        return TickStatus(cancel_requested, lost=state != "running" or attempt != claim.attempt)
    pipeline = await repo.get(session, claim.pipeline_id, for_update=True)
    steps = await repo.steps_of(session, claim.pipeline_id, for_update=True) if pipeline else []
    step = next((s for s in steps if s.id == claim.step_id), None)
    if pipeline is None or step is None:
        return TickStatus(cancel_requested=False, lost=True)
    if step.state != "running" or step.attempt != claim.attempt:
        return TickStatus(pipeline.cancel_requested, lost=True)
    step.heartbeat_at = utcnow()
    if progress is not None and progress > step.progress:
        step.progress = progress
        await session.flush()
        await _emit_step(session, step, "step.progress")
    return TickStatus(pipeline.cancel_requested, lost=False)


async def _locked_attempt(
    session: AsyncSession, claim: Claim
) -> tuple[Pipeline, list[PipelineStep], PipelineStep] | None:
    pipeline = await repo.get(session, claim.pipeline_id, for_update=True)
    if pipeline is None:
        return None
    steps = await repo.steps_of(session, pipeline.id, for_update=True)
    step = next((s for s in steps if s.id == claim.step_id), None)
    if step is None or step.state != "running" or step.attempt != claim.attempt:
        return None
    return pipeline, steps, step


async def complete_step(session: AsyncSession, claim: Claim, output: StepOutput) -> bool:
    """Record a finished attempt: the output asset, exactly one COMMIT for this attempt, then
    queue the next step or finish the pipeline. False if the attempt is no longer current."""
    locked = await _locked_attempt(session, claim)
    if locked is None:
        return False
    pipeline, steps, step = locked
    now = utcnow()
    await repo.add_asset(
        session,
        Asset(
            id=output.asset_id,
            user_id=pipeline.user_id,
            project_id=pipeline.project_id,
            origin="pipeline",
            surface="legacy",
            type=output.asset_type,
            state="ready",
            extension=output.extension,
            content_type=output.content_type,
            filename=output.filename,
            size_bytes=output.size_bytes,
            duration_us=output.duration_us,
            storage_key=output.storage_key,
            ready_at=now,
        ),
    )
    if await repo.record_charge(session, step.id, step.attempt, pipeline.id):
        owed = pricing.credits(
            pricing.units_from_us(output.billable_us), Decimal(step.credits_per_unit)
        )
        committed = await credits.commit(
            session, pipeline.user_id, pipeline.id, min(owed, step.credits_reserved)
        )
        await repo.set_charge_credits(session, step.id, step.attempt, committed)
        step.credits_consumed += committed
        pipeline.total_credits_consumed += committed
    step.state = "completed"
    step.progress = 1.0
    step.output_asset_id = output.asset_id
    step.cut_document = output.cut_document
    step.completed_at = now
    await session.flush()
    await _emit_step(session, step, "step.completed")
    following = next((s for s in steps if s.position > step.position), None)
    if pipeline.cancel_requested:
        await _finish(session, pipeline, steps, "cancelled")
    elif following is not None:
        await _queue_step(session, following)
    else:
        await _finish(session, pipeline, steps, "completed")
    return True


async def fail_step(session: AsyncSession, claim: Claim, code: str, message: str) -> bool:
    """Record a failed attempt: the step and the pipeline fail and the hold is released (a step
    that failed because it was asked to stop is recorded as cancelled instead)."""
    locked = await _locked_attempt(session, claim)
    if locked is None:
        return False
    pipeline, steps, step = locked
    if pipeline.cancel_requested:
        await _finish(session, pipeline, steps, "cancelled")
        return True
    pipeline_message = f"Step {step.position} ({step.processor_name}) failed: {message}"
    await _fail(session, pipeline, steps, step, code, message, pipeline_message)
    return True


async def _fail(
    session: AsyncSession,
    pipeline: Pipeline,
    steps: list[PipelineStep],
    step: PipelineStep,
    code: str,
    message: str,
    pipeline_message: str,
) -> None:
    """The step fails with `message`, then the pipeline with `pipeline_message`."""
    step.state = "failed"
    step.error_code, step.error_message = code, message[:2000]
    step.completed_at = utcnow()
    await session.flush()
    await _emit_step(session, step, "step.failed")
    await _finish(
        session, pipeline, steps, "failed", error_code=code, error_message=pipeline_message[:2000]
    )


async def stop_step(session: AsyncSession, claim: Claim) -> bool:
    """The attempt stopped because a cancel was requested: finish the cancel."""
    locked = await _locked_attempt(session, claim)
    if locked is None:
        return False
    pipeline, steps, _ = locked
    await _finish(session, pipeline, steps, "cancelled")
    return True


async def recover_stalled_steps(
    session: AsyncSession, *, stalled_after_seconds: float = STALLED_STEP_SECONDS
) -> int:
    """Running steps whose worker stopped beating (killed, machine lost) are queued again, or
    failed after MAX_RECOVERIES; a pending cancel is finished. Returns how many were handled."""
    before = utcnow() - timedelta(seconds=stalled_after_seconds)
    handled = 0
    for pipeline_id, step_id in await repo.stalled_steps(session, before):
        pipeline = await repo.get(session, pipeline_id, for_update=True)
        steps = await repo.steps_of(session, pipeline_id, for_update=True)
        step = next((s for s in steps if s.id == step_id), None)
        if pipeline is None or step is None or step.state != "running":
            continue
        beat = step.heartbeat_at or step.updated_at
        if beat >= before:
            continue
        handled += 1
        log.warning(
            "recovering stalled pipeline step",
            extra={"pipeline_id": pipeline_id, "step_id": step_id, "worker": step.worker},
        )
        if pipeline.cancel_requested:
            await _finish(session, pipeline, steps, "cancelled")
        elif step.recoveries >= MAX_RECOVERIES:
            lost = "The worker running this step stopped responding repeatedly."
            await _fail(session, pipeline, steps, step, "worker_lost", lost, lost)
        else:
            step.state = "pending"
            step.recoveries += 1
            step.progress = 0.0
            step.heartbeat_at = None
            await session.flush()
            await _emit_step(session, step, "step.recovered")
            await _queue_step(session, step)
    return handled
