from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.kit.pagination import PageParams, Slice, fetch_newest_first
from roughy.projects.models import Project


async def add(session: AsyncSession, project: Project) -> Project:
    session.add(project)
    await session.flush()
    return project


async def get_owned(
    session: AsyncSession, user_id: str, project_id: str, *, for_update: bool = False
) -> Project | None:
    query = select(Project).where(Project.id == project_id, Project.user_id == user_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def list_owned(
    session: AsyncSession, user_id: str, state: str, page: PageParams
) -> Slice[Project]:
    where = (Project.user_id == user_id, Project.state == state)
    return await fetch_newest_first(session, Project, where, page)


async def delete_project(session: AsyncSession, project_id: str) -> None:
    await session.execute(delete(Project).where(Project.id == project_id))


async def ids_for_user(session: AsyncSession, user_id: str) -> list[str]:
    result = await session.execute(select(Project.id).where(Project.user_id == user_id))
    return list(result.scalars())
