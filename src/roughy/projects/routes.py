from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from roughy.auth.dependencies import CurrentUser
from roughy.deps import SessionDep
from roughy.kit.openapi import error_responses
from roughy.kit.pagination import Page, PageDep
from roughy.projects import service
from roughy.projects.models import ProjectState
from roughy.projects.schemas import (
    Project,
    ProjectCreate,
    ProjectSummary,
    ProjectUpdate,
)

router = APIRouter(prefix="/v1/projects", tags=["Projects"], responses=error_responses())


@router.post("", status_code=201, response_model=Project)
async def create_project(body: ProjectCreate, user: CurrentUser, session: SessionDep) -> object:
    return await service.create(session, user, body)


@router.get("", response_model=Page[ProjectSummary])
async def list_projects(
    user: CurrentUser,
    session: SessionDep,
    page: PageDep,
    state: Annotated[ProjectState, Query()] = ProjectState.ACTIVE,
) -> object:
    found = await service.list_projects(session, user, state, page)
    return Page.of(found, page)


@router.get("/{project_id}", response_model=Project, responses=error_responses(404))
async def get_project(project_id: str, user: CurrentUser, session: SessionDep) -> object:
    return await service.get(session, user, project_id)


@router.patch("/{project_id}", response_model=Project, responses=error_responses(404))
async def update_project(
    project_id: str, body: ProjectUpdate, user: CurrentUser, session: SessionDep
) -> object:
    return await service.update(session, user, project_id, body)


@router.delete("/{project_id}", status_code=204, responses=error_responses(404))
async def delete_project(project_id: str, user: CurrentUser, session: SessionDep) -> Response:
    await service.delete(session, user, project_id)
    return Response(status_code=204)
