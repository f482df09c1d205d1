"""Bridging engine callbacks (called from a worker thread) and the database.

The engine reports progress and polls for cancellation from the thread that runs it. A `Tracker`
takes those calls without touching the database: `report()` only stores the latest fraction and
`cancelled()` only reads a flag. An async loop on the event loop writes the fraction to the row
(every `PROGRESS_INTERVAL_SECONDS`, and only when it moved by `PROGRESS_MIN_STEP`) and refreshes
the flag from what the write answers.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from roughy.kit.background import alongside

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_SECONDS = 0.5
"""How often a running job writes progress and checks whether it should stop."""
PROGRESS_MIN_STEP = 0.02
"""Smallest progress change worth writing."""

WriteProgress = Callable[[float | None], Awaitable[bool]]
"""Persist a fraction (None: unchanged, only check); return True if the work should stop."""


class Tracker:
    def __init__(self) -> None:
        self._latest = 0.0
        self._written = -1.0
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def report(self, fraction: float) -> None:
        with self._lock:
            self._latest = max(self._latest, min(1.0, max(0.0, float(fraction))))

    def cancelled(self) -> bool:
        return self._stop.is_set()

    @property
    def latest(self) -> float:
        with self._lock:
            return self._latest

    async def _tick(self, write: WriteProgress) -> None:
        value = self.latest
        moved = value - self._written >= PROGRESS_MIN_STEP
        if await write(value if moved else None):
            self._stop.set()
        if moved:
            self._written = value

    @asynccontextmanager
    async def running(self, write: WriteProgress, *, name: str) -> AsyncIterator[Tracker]:
        """While the block runs, tick every `PROGRESS_INTERVAL_SECONDS`: write progress (or
        just check) and stop when `write` says so. A failed tick is logged and retried."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(PROGRESS_INTERVAL_SECONDS)
                try:
                    await self._tick(write)
                except Exception:
                    log.warning("progress tick of %s failed", name, exc_info=True)

        async with alongside(loop(), name=f"progress-{name}"):
            yield self
