from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.projects.models import Project


async def delete_project(session: AsyncSession, project_id: str) -> None:
    await session.execute(delete(Project).where(Project.id == project_id))


async def ids_for_user(session: AsyncSession, user_id: str) -> list[str]:
    result = await session.execute(select(Project.id).where(Project.user_id == user_id))
    return list(result.scalars())
