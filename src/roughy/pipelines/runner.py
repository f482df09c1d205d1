"""Running one attempt of a step in a worker: claim, execute with a monitor (heartbeat, progress
events, cancel polling), then record the outcome in one transaction."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator

from roughy.engine.types import EngineCancelled, EngineError
from roughy.jobs import JobContext
from roughy.kit.background import alongside
from roughy.pipelines import service
from roughy.pipelines.processors import PROCESSORS
from roughy.pipelines.service import Claim, StepOutput

log = logging.getLogger(__name__)

TICK_SECONDS = 0.5
"""How often a running step polls its row (cancel) and publishes progress."""
HEARTBEAT_SECONDS = 5.0
PROGRESS_STEP = 0.02
"""Smallest progress change worth an event."""


class StepMonitor:
    """Thread-safe callbacks for the engine plus the async loop that talks to the database."""

    def __init__(self, ctx: JobContext, claim: Claim) -> None:
        self.ctx = ctx
        self.claim = claim
        self._progress = 0.0
        self._published = 0.0
        self._stop = threading.Event()
        self.cancel_requested = False
        self.lost = False

    def on_progress(self, fraction: float) -> None:
        self._progress = max(self._progress, min(1.0, max(0.0, fraction)))

    def should_cancel(self) -> bool:
        return self._stop.is_set()

    async def _loop(self) -> None:
        last_beat = time.monotonic()
        while True:
            await asyncio.sleep(TICK_SECONDS)
            heartbeat = time.monotonic() - last_beat >= HEARTBEAT_SECONDS
            current = self._progress
            progress = current if current - self._published >= PROGRESS_STEP else None
            try:
                async with self.ctx.transaction() as session:
                    status = await service.tick(
                        session, self.claim, progress=progress, heartbeat=heartbeat
                    )
            except Exception:
                log.warning("pipeline step monitor tick failed", exc_info=True)
                continue
            if heartbeat:
                last_beat = time.monotonic()
            if progress is not None:
                self._published = progress
            if status.lost:
                self.lost = True
                self._stop.set()
            elif status.cancel_requested:
                self.cancel_requested = True
                self._stop.set()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[StepMonitor]:
        async with alongside(self._loop(), name=f"step-monitor-{self.claim.step_id}"):
            yield self


async def run_step(ctx: JobContext, pipeline_id: str, step_id: str) -> None:
    async with ctx.transaction() as session:
        claim = await service.claim_step(session, pipeline_id, step_id)
    if claim is None:
        return
    log.info(
        "pipeline step started",
        extra={"pipeline_id": pipeline_id, "step_id": step_id, "attempt": claim.attempt},
    )
    monitor = StepMonitor(ctx, claim)
    output: StepOutput | None = None
    try:
        async with monitor.running():
            output = await PROCESSORS[claim.processor_name](
                ctx, claim, monitor.on_progress, monitor.should_cancel
            )
    except EngineCancelled:
        await _stopped(ctx, claim, monitor)
        return
    except EngineError as exc:
        await _failed(ctx, claim, monitor, exc.code, exc.message)
        return
    except Exception as exc:
        log.exception("pipeline step crashed", extra={"step_id": step_id})
        await _failed(ctx, claim, monitor, "internal_error", f"{type(exc).__name__}: {exc}")
        return
    try:
        async with ctx.transaction() as session:
            recorded = await service.complete_step(session, claim, output)
    except Exception as exc:
        log.exception("recording a finished pipeline step failed", extra={"step_id": step_id})
        ctx.storage.delete(output.storage_key)
        await _failed(ctx, claim, monitor, "internal_error", f"{type(exc).__name__}: {exc}")
        return
    if not recorded:
        log.warning(
            "discarding the output of a superseded step attempt", extra={"step_id": step_id}
        )
        ctx.storage.delete(output.storage_key)


async def _stopped(ctx: JobContext, claim: Claim, monitor: StepMonitor) -> None:
    if monitor.lost:
        return
    async with ctx.transaction() as session:
        if monitor.cancel_requested:
            await service.stop_step(session, claim)
        else:
            await service.fail_step(session, claim, "cancelled", "The step was stopped.")


async def _failed(
    ctx: JobContext, claim: Claim, monitor: StepMonitor, code: str, message: str
) -> None:
    if monitor.lost:
        return
    async with ctx.transaction() as session:
        await service.fail_step(session, claim, code, message)
