from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.auth.models import User
from roughy.jobs import defer
from roughy.kit import repository as rows
from roughy.kit.clock import utcnow
from roughy.kit.pagination import PageParams, Slice
from roughy.projects import repository as repo
from roughy.projects.errors import ProjectNotFound
from roughy.projects.models import Project, ProjectState
from roughy.projects.schemas import ProjectCreate, ProjectUpdate
from roughy.storage import keys


async def create(session: AsyncSession, user: User, body: ProjectCreate) -> Project:
    return await rows.add(
        session, Project(user_id=user.id, name=body.name, state=ProjectState.ACTIVE)
    )


get = rows.OwnedRows(Project, ProjectNotFound)


async def list_projects(
    session: AsyncSession, user: User, state: ProjectState, page: PageParams
) -> Slice[Project]:
    return await rows.list_owned(session, Project, user.id, page, state=state)


async def update(
    session: AsyncSession, user: User, project_id: str, body: ProjectUpdate
) -> Project:
    project = await get(session, user, project_id, for_update=True)
    if body.name is not None:
        project.name = body.name
    if body.state is not None and body.state != project.state:
        project.state = body.state
        project.archived_at = utcnow() if body.state == ProjectState.ARCHIVED else None
    await session.flush()
    return project


async def delete(session: AsyncSession, user: User, project_id: str) -> None:
    """Rows go now (foreign keys cascade); stored bytes go in a job queued in this transaction."""
    project = await get(session, user, project_id, for_update=True)
    await repo.delete_project(session, project.id)
    await defer(
        session, "storage.delete_prefix", queue="io", prefix=keys.project_prefix(project.id)
    )
    await _sweep_unfinished_uploads(session)


async def _sweep_unfinished_uploads(session: AsyncSession) -> None:
    """The project's unfinished uploads lost their assets: their staged bytes go now, not at the
    next periodic sweep."""
    await defer(session, "uploads.sweep", queue="io")


async def delete_all_for_user(session: AsyncSession, user: User) -> int:
    """Delete every project of `user` (rows cascade; bytes go in deferred sweeps)."""
    project_ids = await repo.ids_for_user(session, user.id)
    for project_id in project_ids:
        await repo.delete_project(session, project_id)
        await defer(
            session, "storage.delete_prefix", queue="io", prefix=keys.project_prefix(project_id)
        )
    if project_ids:
        await _sweep_unfinished_uploads(session)
    return len(project_ids)
