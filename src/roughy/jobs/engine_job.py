"""The one lifecycle of a job that runs the engine for a row (a cut, a render, a pipeline step).

`run_engine` runs the engine work with progress and cancel callbacks and turns every way it can
end into an `Outcome`. `run_row_job` is the whole job for rows with the `EngineJobColumns`:
load by id and check the state, mark it `processing`, run, then finish or fail in one
transaction. The domain says what is specific in an `EngineJob` (its service implements it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from roughy.engine.errors import EngineCancelled, EngineError
from roughy.engine.types import CancelCheck, ProgressCallback
from roughy.jobs.context import JobContext
from roughy.jobs.progress import Tracker, WriteProgress
from roughy.kit.clock import utcnow
from roughy.kit.db import enum_column

log = logging.getLogger(__name__)

ERROR_CODE_LENGTH = 64


class JobState(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


RUNNING_STATES = (JobState.PENDING, JobState.PROCESSING)
STOPPED_STATES = (JobState.FAILED, JobState.CANCELLED)


class EngineJobColumns:
    """The columns of every row an engine job works on."""

    state: Mapped[JobState] = enum_column(JobState, default=JobState.PENDING)
    progress: Mapped[float | None]
    error_code: Mapped[str | None] = mapped_column(String(ERROR_CODE_LENGTH))
    error_message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)


# ------------------------------------------------------------------------------ running the engine


@dataclass(frozen=True)
class Failed:
    code: str
    message: str


class Cancelled:
    """The engine stopped because `should_cancel` said so."""


CANCELLED = Cancelled()
R = TypeVar("R")
EngineWork = Callable[[ProgressCallback, CancelCheck], Awaitable[R]]


async def run_engine(
    work: EngineWork[R], write: WriteProgress, *, name: str
) -> R | Failed | Cancelled:
    """Run `work(on_progress, should_cancel)` while `write` records progress and says when to
    stop. Engine errors become `Failed(code, message)`; anything else is logged with its
    traceback and becomes `Failed("internal_error")` with no internals in the message."""
    tracker = Tracker()
    try:
        async with tracker.running(write, name=name):
            return await work(tracker.report, tracker.cancelled)
    except EngineCancelled:
        return CANCELLED
    except EngineError as exc:
        log.info("%s failed: %s", name, exc.code)
        return Failed(exc.code, exc.message)
    except Exception as exc:
        log.exception("%s crashed", name)
        return Failed("internal_error", f"Unexpected error: {type(exc).__name__}")


# ------------------------------------------------------------------------------ rows


class JobRow(Protocol):
    id: Any
    state: Any
    progress: Any
    error_code: Any
    error_message: Any
    started_at: Any
    completed_at: Any


Row = TypeVar("Row", bound=JobRow)
P = TypeVar("P")


class JobRefused(Exception):
    """Raised by `EngineJob.prepare` when the row cannot run: it fails with this code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class EngineJob(Protocol[Row, P, R]):
    """What one kind of row job does; `P` is what `prepare` loads, `R` what the engine returns."""

    model: type[Row]
    name: str

    async def prepare(self, session: AsyncSession, row: Row) -> P | None:
        """Load what the work needs (None: nothing to do yet) or raise `JobRefused`."""

    async def work(
        self,
        ctx: JobContext,
        prepared: P,
        on_progress: ProgressCallback,
        should_cancel: CancelCheck,
    ) -> R: ...

    async def complete(self, session: AsyncSession, row: Row, result: R) -> None:
        """Store the result on the row (the state is set by the caller)."""

    async def discard(self, ctx: JobContext, prepared: P) -> None:
        """The work was cancelled or its row moved on: drop what it produced."""

    async def announce(self, session: AsyncSession, row: Row) -> None:
        """The row reached `completed` or `failed`: tell the world (webhooks)."""


async def run_row_job(ctx: JobContext, job: EngineJob[Row, P, R], row_id: str) -> None:
    """pending/processing -> completed | failed. Safe to run twice: a row in another state is
    left alone, and one left `processing` by a dead worker is run again."""
    async with ctx.transaction() as session:
        row = await _locked(session, job.model, row_id)
        if row is None or row.state not in RUNNING_STATES:
            return
        try:
            prepared = await job.prepare(session, row)
        except JobRefused as refused:
            await _fail(session, job, row, Failed(refused.code, refused.message))
            return
        if prepared is None:
            return
        row.state = JobState.PROCESSING
        row.started_at = row.started_at or utcnow()
        row.progress = 0.0

    async def write(fraction: float | None) -> bool:
        async with ctx.transaction() as session:
            return await _write_progress(session, job.model, row_id, fraction)

    async def work(on_progress: ProgressCallback, should_cancel: CancelCheck) -> R:
        return await job.work(ctx, prepared, on_progress, should_cancel)

    outcome = await run_engine(work, write, name=f"{job.name} {row_id}")
    if isinstance(outcome, Cancelled):
        await job.discard(ctx, prepared)
        return
    async with ctx.transaction() as session:
        row = await _locked(session, job.model, row_id)
        if isinstance(outcome, Failed):
            if row is not None and row.state in RUNNING_STATES:
                await _fail(session, job, row, outcome)
            return
        if row is None or row.state != JobState.PROCESSING:
            await job.discard(ctx, prepared)
            return
        await job.complete(session, row, outcome)
        row.state = JobState.COMPLETED
        row.progress = 1.0
        row.completed_at = utcnow()
        await job.announce(session, row)


async def _locked(session: AsyncSession, model: type[Row], row_id: str) -> Row | None:
    columns: Any = model
    query = select(model).where(columns.id == row_id).with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def _write_progress(
    session: AsyncSession, model: type[Row], row_id: str, fraction: float | None
) -> bool:
    """Record progress while the row is processing; True when it no longer is (stop)."""
    columns: Any = model
    if fraction is not None:
        await session.execute(
            update(model)
            .where(columns.id == row_id, columns.state == JobState.PROCESSING)
            .values(progress=round(fraction, 4))
        )
    state = await session.scalar(select(columns.state).where(columns.id == row_id))
    return state != JobState.PROCESSING


async def _fail(session: AsyncSession, job: EngineJob[Row, P, R], row: Row, failed: Failed) -> None:
    row.state = JobState.FAILED
    row.error_code = failed.code[:ERROR_CODE_LENGTH]
    row.error_message = failed.message
    row.completed_at = utcnow()
    await job.announce(session, row)
