"""Housekeeping jobs that belong to no domain."""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from pathlib import Path

import anyio

from roughy.auth import service as auth
from roughy.jobs import STALL_CHECK_CRON, JobContext, job
from roughy.projects import service as projects

log = logging.getLogger(__name__)


@job("jobs.recover_stalled", queue="io", periodic_cron=STALL_CHECK_CRON)
async def recover_stalled(ctx: JobContext) -> None:
    """Re-queue jobs whose worker died mid-job (no heartbeat): handlers are safe to run twice."""
    assert ctx.queue is not None, "runs inside a worker"
    manager = ctx.queue.job_manager
    for stalled_job in await manager.get_stalled_jobs(
        seconds_since_heartbeat=ctx.settings.stalled_job_seconds
    ):
        if stalled_job.id == ctx.job_id:
            continue
        log.warning("retrying stalled job", extra={"job_id": stalled_job.id})
        await manager.retry_job(stalled_job)


SCRATCH_GRACE_SECONDS = 3600


def _newest_change(path: Path) -> float:
    """The latest mtime anywhere under `path`: a running job keeps writing into its work files."""
    newest = path.lstat().st_mtime
    if path.is_dir() and not path.is_symlink():
        for child in path.rglob("*"):
            with contextlib.suppress(FileNotFoundError):
                newest = max(newest, child.lstat().st_mtime)
    return newest


def _sweep_scratch(directory: Path, older_than: float) -> int:
    if not directory.is_dir():
        return 0
    removed = 0
    for entry in directory.iterdir():
        try:
            if _newest_change(entry) >= older_than:
                continue
        except FileNotFoundError:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed


@job("storage.sweep_scratch", queue="io", periodic_cron="*/15 * * * *")
async def sweep_scratch(ctx: JobContext) -> None:
    """Work files left by killed jobs (render directories, analysis audio): anything in the
    scratch dir untouched for an hour. Live jobs write continuously, so they are never taken."""
    older_than = time.time() - SCRATCH_GRACE_SECONDS
    removed = await anyio.to_thread.run_sync(_sweep_scratch, ctx.settings.scratch_dir, older_than)
    if removed:
        log.info("scratch swept", extra={"removed": removed})


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
