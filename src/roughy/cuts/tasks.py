from __future__ import annotations

from roughy.cuts.service import CutJob
from roughy.jobs import JobContext, job, run_row_job


@job("cuts.compute", queue="cpu")
async def compute(ctx: JobContext, cut_id: str) -> None:
    """pending/processing -> completed | failed (see `roughy.jobs.run_row_job`)."""
    await run_row_job(ctx, CutJob(), cut_id)
