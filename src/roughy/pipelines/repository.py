from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.kit.clock import utcnow
from roughy.pipelines.models import Pipeline, PipelineStep, PricingTokenUse, StepCharge, StepState


async def add(session: AsyncSession, pipeline: Pipeline, steps: list[PipelineStep]) -> None:
    session.add(pipeline)
    await session.flush()
    for step in steps:
        step.pipeline_id = pipeline.id
    session.add_all(steps)
    await session.flush()


async def get(
    session: AsyncSession, pipeline_id: str, *, for_update: bool = False
) -> Pipeline | None:
    query = select(Pipeline).where(Pipeline.id == pipeline_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def steps_of(
    session: AsyncSession, pipeline_id: str, *, for_update: bool = False
) -> list[PipelineStep]:
    query = (
        select(PipelineStep)
        .where(PipelineStep.pipeline_id == pipeline_id)
        .order_by(PipelineStep.position)
    )
    if for_update:
        query = query.with_for_update()
    return list((await session.execute(query)).scalars())


async def steps_of_many(session: AsyncSession, pipeline_ids: list[str]) -> list[PipelineStep]:
    if not pipeline_ids:
        return []
    rows = await session.execute(
        select(PipelineStep)
        .where(PipelineStep.pipeline_id.in_(pipeline_ids))
        .order_by(PipelineStep.pipeline_id, PipelineStep.position)
    )
    return list(rows.scalars())


async def step_state(session: AsyncSession, step_id: str) -> tuple[str, int, bool] | None:
    """(step state, attempt, pipeline cancel_requested) without locking anything."""
    row = (
        await session.execute(
            select(PipelineStep.state, PipelineStep.attempt, Pipeline.cancel_requested)
            .join(Pipeline, Pipeline.id == PipelineStep.pipeline_id)
            .where(PipelineStep.id == step_id)
        )
    ).one_or_none()
    return None if row is None else (str(row[0]), int(row[1]), bool(row[2]))


async def record_charge(
    session: AsyncSession, step_id: str, attempt: int, pipeline_id: str
) -> bool:
    """Claim the unique (step, attempt) charge key; False when that attempt was charged before."""
    result = await session.execute(
        insert(StepCharge)
        .values(step_id=step_id, attempt=attempt, pipeline_id=pipeline_id, credits=0)
        .on_conflict_do_nothing(index_elements=["step_id", "attempt"])
        .returning(StepCharge.step_id)
    )
    return result.scalar_one_or_none() is not None


async def set_charge_credits(
    session: AsyncSession, step_id: str, attempt: int, amount: int
) -> None:
    await session.execute(
        text("UPDATE pipeline_step_charges SET credits = :c WHERE step_id = :s AND attempt = :a"),
        {"c": amount, "s": step_id, "a": attempt},
    )


async def stalled_steps(session: AsyncSession, before: datetime) -> list[tuple[str, str]]:
    """(pipeline_id, step_id) of running steps whose worker has not beaten since `before`."""
    rows = await session.execute(
        select(PipelineStep.pipeline_id, PipelineStep.id).where(
            PipelineStep.state == StepState.RUNNING,
            func.coalesce(PipelineStep.heartbeat_at, PipelineStep.updated_at) < before,
        )
    )
    return [(str(p), str(s)) for p, s in rows.all()]


async def claim_pricing_token(session: AsyncSession, token_id: str, pipeline_id: str) -> bool:
    """Record the token's one use; False when it was already used (insert-or-nothing)."""
    claimed = await session.execute(
        insert(PricingTokenUse)
        .values(token_id=token_id, pipeline_id=pipeline_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["token_id"])
        .returning(PricingTokenUse.token_id)
    )
    return claimed.first() is not None
