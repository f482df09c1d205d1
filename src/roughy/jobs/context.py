from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import procrastinate
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.config import Settings
from roughy.kit.db import Database
from roughy.storage import Storage


@dataclass
class Runtime:
    """What a process has to do its work: settings, the database, the blob store."""

    settings: Settings
    db: Database
    storage: Storage


@dataclass
class JobContext:
    runtime: Runtime
    job_id: int
    attempts: int
    queue: procrastinate.App | None = None
    """The worker's open procrastinate app, for jobs that manage other jobs."""

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def storage(self) -> Storage:
        return self.runtime.storage

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.runtime.db.transaction() as session:
            yield session
