from __future__ import annotations

from roughy.jobs import JobContext, job, run_row_job
from roughy.renders.service import RenderJob


@job("renders.run", queue="cpu")
async def run(ctx: JobContext, render_id: str) -> None:
    """pending/processing -> completed | failed; a cancel stops ffmpeg (`RenderJob`)."""
    await run_row_job(ctx, RenderJob(), render_id)
