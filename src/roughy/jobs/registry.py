from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.jobs.context import JobContext
from roughy.kit.clock import utcnow

Queue = Literal["io", "cpu"]
Handler = Callable[..., Awaitable[None]]
STALL_CHECK_CRON = "* * * * * */10"
"""Every 10 s (croniter's sixth field is seconds): how often stalled jobs and pipeline steps are
looked for; how long a heartbeat may be missing is the `stalled_job_seconds` setting."""


@dataclass(frozen=True)
class JobSpec:
    name: str
    queue: Queue
    handler: Handler
    retries: int
    periodic_cron: str | None


REGISTRY: dict[str, JobSpec] = {}


def job(
    name: str, *, queue: Queue, retries: int = 0, periodic_cron: str | None = None
) -> Callable[[Handler], Handler]:
    """Register `handler(ctx: JobContext, **ids)` as the job `name`."""

    def register(handler: Handler) -> Handler:
        REGISTRY[name] = JobSpec(name, queue, handler, retries, periodic_cron)
        return handler

    return register


_DEFER_SQL = text(
    """
    SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[
        ROW(:queue, :task, 0, :lock, :queueing_lock, CAST(:args AS jsonb), :scheduled_at)
        ::procrastinate_job_to_defer_v1
    ]))
    """
)


async def defer(
    session: AsyncSession,
    name: str,
    *,
    queue: Queue,
    delay: timedelta | None = None,
    lock: str | None = None,
    **kwargs: str | int | float | bool | None,
) -> int:
    """Queue job `name` with keyword arguments (ids, not objects) in the caller's transaction."""
    scheduled_at: datetime | None = utcnow() + delay if delay else None
    result = await session.execute(
        _DEFER_SQL,
        {
            "queue": queue,
            "task": name,
            "lock": lock,
            "queueing_lock": None,
            "args": json.dumps(kwargs),
            "scheduled_at": scheduled_at,
        },
    )
    return int(result.scalar_one())


async def run_registered(ctx: JobContext, name: str, kwargs: dict[str, Any]) -> None:
    await REGISTRY[name].handler(ctx, **kwargs)
