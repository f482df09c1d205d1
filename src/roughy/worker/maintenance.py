"""Housekeeping jobs that belong to no domain."""

from __future__ import annotations

import logging

import anyio

from roughy.auth import service as auth
from roughy.jobs import JobContext, job
from roughy.projects import service as projects

log = logging.getLogger(__name__)


@job("jobs.recover_stalled", queue="io", periodic_cron="* * * * *")
async def recover_stalled(ctx: JobContext) -> None:
    """Re-queue jobs whose worker died mid-job (no heartbeat): handlers are safe to run twice."""
    assert ctx.queue is not None, "runs inside a worker"
    manager = ctx.queue.job_manager
    for stalled_job in await manager.get_stalled_jobs(seconds_since_heartbeat=60):
        if stalled_job.id == ctx.job_id:
            continue
        log.warning("retrying stalled job", extra={"job_id": stalled_job.id})
        await manager.retry_job(stalled_job)


@job("storage.delete_prefix", queue="io", retries=5)
async def delete_prefix(ctx: JobContext, prefix: str) -> None:
    """Remove every stored byte under `prefix` (deferred with the delete of the rows)."""
    await anyio.to_thread.run_sync(ctx.storage.delete_prefix, prefix)


@job("accounts.purge_deleted", queue="io", periodic_cron="17 3 * * *")
async def purge_deleted_accounts(ctx: JobContext) -> None:
    """Accounts soft-deleted more than 30 days ago lose their content and personal data; their
    ledger entries stay (financial records)."""
    async with ctx.transaction() as session:
        for user in await auth.accounts_due_for_purge(session):
            removed = await projects.delete_all_for_user(session, user)
            await auth.anonymise(session, user)
            log.info("account purged", extra={"user_id": user.id, "projects": removed})
