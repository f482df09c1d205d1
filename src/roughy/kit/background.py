"""Work that runs beside a block of code and stops with it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any


@contextlib.asynccontextmanager
async def alongside(
    work: Coroutine[Any, Any, None], *, name: str | None = None
) -> AsyncIterator[None]:
    """Run `work` as a task while the block runs; cancel it and wait for it when the block ends."""
    task = asyncio.create_task(work, name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
