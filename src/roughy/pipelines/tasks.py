from __future__ import annotations

from roughy.jobs import STALL_CHECK_CRON, JobContext, job
from roughy.pipelines import runner, service


@job("pipelines.run_step", queue="cpu")
async def run_step(ctx: JobContext, pipeline_id: str, step_id: str) -> None:
    """Run one step of a pipeline; safe to run twice (a step is claimed once per attempt)."""
    await runner.run_step(ctx, pipeline_id, step_id)


@job("pipelines.recover_stalled", queue="io", periodic_cron=STALL_CHECK_CRON)
async def recover_stalled(ctx: JobContext) -> None:
    """Re-queue (or fail) steps whose worker stopped sending heartbeats."""
    async with ctx.transaction() as session:
        await service.recover_stalled_steps(
            session, stalled_after_seconds=ctx.settings.stalled_job_seconds
        )
