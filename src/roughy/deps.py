"""Request-scoped dependencies shared by every router: runtime, settings, storage, DB session.

The session dependency owns the request's transaction: it commits after the endpoint returns and
before the response is sent (`scope="function"`), and rolls back if the endpoint raises.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.config import Settings
from roughy.jobs import Runtime
from roughy.storage import Storage


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


def get_storage(runtime: RuntimeDep) -> Storage:
    return runtime.storage


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.db.transaction() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
StorageDep = Annotated[Storage, Depends(get_storage)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
