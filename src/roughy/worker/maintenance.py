"""Housekeeping jobs that belong to no domain."""

from __future__ import annotations

import logging

import anyio
import procrastinate

from roughy.jobs import JobContext, job

log = logging.getLogger(__name__)


@job("jobs.recover_stalled", queue="io", periodic_cron="* * * * *")
async def recover_stalled(ctx: JobContext) -> None:
    """Re-queue jobs whose worker died mid-job (no heartbeat): handlers are safe to run twice."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=ctx.runtime.db.url))
    async with app.open_async():
        stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=60)
        for stalled_job in stalled:
            if stalled_job.id == ctx.job_id:
                continue
            log.warning("retrying stalled job", extra={"job_id": stalled_job.id})
            await app.job_manager.retry_job(stalled_job)


@job("storage.delete_prefix", queue="io", retries=5)
async def delete_prefix(ctx: JobContext, prefix: str) -> None:
    """Remove every stored byte under `prefix` (deferred with the delete of the rows)."""
    await anyio.to_thread.run_sync(ctx.storage.delete_prefix, prefix)
