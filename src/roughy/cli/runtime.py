"""Helpers for commands that need the database: one runtime, one transaction, clean shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.bootstrap import build_runtime
from roughy.config import Settings, load_settings

T = TypeVar("T")


def in_transaction(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    settings = load_settings()
    runtime = build_runtime(settings)

    async def run() -> T:
        try:
            async with runtime.db.transaction() as session:
                return await work(session, settings)
        finally:
            await runtime.db.dispose()

    return asyncio.run(run())
