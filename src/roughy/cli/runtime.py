"""Helpers for commands that need the database: one runtime, one transaction, clean shutdown."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.bootstrap import build_runtime
from roughy.config import Settings, load_settings

T = TypeVar("T")


def existing_database_settings() -> Settings:
    """Settings of an installation that exists: administration never creates a new, empty
    embedded cluster because it ran from another directory; it says where it looked."""
    settings = load_settings()
    if settings.database_url is None and not (settings.pg_dir / "PG_VERSION").exists():
        Console(stderr=True).print(
            f"[red]error:[/red] no Roughy database in {settings.pg_dir.parent} "
            "(the data dir). Run this where `roughy serve` runs, or set ROUGHY_DATA_DIR "
            "(or ROUGHY_DATABASE_URL)."
        )
        raise typer.Exit(1)
    return settings


def in_transaction(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    settings = existing_database_settings()
    runtime = build_runtime(settings)

    async def run() -> T:
        try:
            async with runtime.db.transaction() as session:
                return await work(session, settings)
        finally:
            await runtime.db.dispose()

    return asyncio.run(run())
