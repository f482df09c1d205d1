"""Bridging engine callbacks (called from a worker thread) and the database.

The engine reports progress and polls for cancellation from the thread that runs it. A `Tracker`
takes those calls without touching the database: `report()` only stores the latest fraction and
`cancelled()` only reads a flag. An async loop on the event loop writes the fraction to the row
(at most every `interval` seconds, and only when it moved by `min_step`) and refreshes the flag
from the row's state.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from roughy.kit.background import alongside

WriteProgress = Callable[[float], Awaitable[bool]]
"""Persist a fraction; return True if the work should stop (the row left its running state)."""


class Tracker:
    def __init__(self, interval: float = 0.5, min_step: float = 0.02) -> None:
        self.interval = interval
        self.min_step = min_step
        self._latest = 0.0
        self._written = -1.0
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def report(self, fraction: float) -> None:
        with self._lock:
            self._latest = max(self._latest, min(1.0, max(0.0, float(fraction))))

    def cancelled(self) -> bool:
        return self._stop.is_set()

    def cancel(self) -> None:
        self._stop.set()

    @property
    def latest(self) -> float:
        with self._lock:
            return self._latest

    async def _tick(self, write: WriteProgress) -> None:
        value = self.latest
        moved = value - self._written >= self.min_step
        if await write(value if moved else -1.0):
            self._stop.set()
        if moved:
            self._written = value

    @asynccontextmanager
    async def running(self, write: WriteProgress) -> AsyncIterator[Tracker]:
        """While the block runs, every `interval` s: write progress (or -1 = no change, just
        check) and stop when `write` says so."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(self.interval)
                with contextlib.suppress(Exception):
                    await self._tick(write)

        async with alongside(loop()):
            yield self
