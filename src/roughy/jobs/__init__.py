"""Background jobs on procrastinate, deferred by name inside the caller's transaction.

Domains declare handlers with `@job("domain.verb", queue=...)` in their `tasks.py` and defer
them with `await defer(session, "domain.verb", queue=..., entity_id=...)`. Deferral is one SQL
call on the caller's own session, so a rolled-back request defers nothing.

Jobs that run the engine for a row use `engine_job.run_row_job` (or `run_engine` for their own
claim logic): one lifecycle, one progress throttle (`progress.py`), one way to fail.
"""

from roughy.jobs.context import JobContext, Runtime
from roughy.jobs.engine_job import (
    EngineJobColumns,
    JobRefused,
    JobState,
    run_row_job,
)
from roughy.jobs.registry import REGISTRY, STALL_CHECK_CRON, JobSpec, Queue, defer, job

__all__ = [
    "REGISTRY",
    "STALL_CHECK_CRON",
    "EngineJobColumns",
    "JobContext",
    "JobRefused",
    "JobSpec",
    "JobState",
    "Queue",
    "Runtime",
    "defer",
    "job",
    "run_row_job",
]
