"""Upload housekeeping: expired unfinished uploads, and staged bytes nobody owns any more."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import anyio

from roughy.jobs import JobContext, job
from roughy.uploads import service, transfer
from roughy.uploads.staging import LocalStaging

log = logging.getLogger(__name__)
ORPHAN_GRACE_SECONDS = 3600
PUT_GRACE_SECONDS = 24 * 3600


def _staged_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return [p for p in directory.iterdir() if p.is_file()]


@job("uploads.sweep", queue="io", periodic_cron="*/5 * * * *")
async def sweep(ctx: JobContext) -> None:
    """Expire unfinished uploads past Upload-Expires (their pending assets go too) and drop their
    staged bytes (S3: abort their multipart uploads); on local staging, also files whose upload
    is finished, cancelled, expired or gone."""
    async with ctx.transaction() as session:
        swept = await service.sweep(session, ctx.settings)
    for ref in swept:
        await transfer.discard(ctx.runtime, ref)
    removed = 0
    staging = transfer.staging(ctx.runtime)
    if isinstance(staging, LocalStaging):
        removed = await _sweep_local_orphans(ctx, staging.directory)
    if swept or removed:
        log.info("uploads swept", extra={"expired": len(swept), "orphan_files": removed})


async def _sweep_local_orphans(ctx: JobContext, directory: Path) -> int:
    files = await anyio.to_thread.run_sync(_staged_files, directory)
    candidates = {p.name.split(".", 1)[0]: p for p in files if p.suffix == ".part"}
    async with ctx.transaction() as session:
        live = await service.live_upload_ids(session, list(candidates))
    now = time.time()
    removed = 0
    for upload_id, path in candidates.items():
        try:
            idle = now - path.stat().st_mtime
        except FileNotFoundError:
            continue
        if upload_id not in live and idle > ORPHAN_GRACE_SECONDS:
            path.unlink(missing_ok=True)
            removed += 1
    for path in files:
        if (
            path.suffix == ".put"
            and path.exists()
            and now - path.stat().st_mtime > PUT_GRACE_SECONDS
        ):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
