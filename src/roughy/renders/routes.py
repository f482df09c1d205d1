from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from roughy.auth.dependencies import CurrentUser
from roughy.deps import SessionDep, SettingsDep
from roughy.kit.openapi import answer_create, error_responses, idempotent_create_responses
from roughy.kit.pagination import Page, PageDep
from roughy.renders import service
from roughy.renders.schemas import Render, RenderCreate, RenderDetail, RenderState

router = APIRouter(prefix="/v1/renders", tags=["Renders"])

CREATE_CONFLICTS = (
    "asset_not_ready (the asset is not ready), modifier_not_ready (cut_id names a cut of this "
    "asset that is not completed)"
)


@router.post(
    "",
    response_model=RenderDetail,
    status_code=201,
    responses=idempotent_create_responses(
        RenderDetail,
        "A render with the same inputs exists.",
        "A new render; `Location` points at it.",
        404,
        409,
        s409=CREATE_CONFLICTS,
    ),
    summary="Render an asset",
    description="Idempotent on the whole request (asset_id, cut_id, output): an identical "
    "request returns the existing render (200). Failed or cancelled renders do not count. "
    "A cut of another asset is a 404; a video format for an audio-only asset is a 422.",
)
async def create_render(
    body: RenderCreate,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> object:
    render, created = await service.create(session, user, body)
    answer_create(response, created, f"/v1/renders/{render.id}")
    return service.present(render, settings)


@router.get(
    "",
    response_model=Page[Render],
    responses=error_responses(),
    summary="List renders",
)
async def list_renders(
    user: CurrentUser,
    session: SessionDep,
    page: PageDep,
    asset_id: Annotated[UUID | None, Query()] = None,
    cut_id: Annotated[UUID | None, Query()] = None,
    state: Annotated[RenderState | None, Query()] = None,
) -> object:
    found = await service.list_renders(
        session, user, page, asset_id=asset_id, cut_id=cut_id, state=state
    )
    return Page.of(found, page, service.present)


@router.get(
    "/{render_id}",
    response_model=RenderDetail,
    responses=error_responses(404),
    summary="Read a render",
    description="`download_url` is set once completed and expires quickly: re-fetch it.",
)
async def get_render(
    render_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> object:
    return await service.detail(session, user, render_id, settings)


@router.post(
    "/{render_id}/cancel",
    response_model=RenderDetail,
    responses=error_responses(404, 409, s409="conflict: the render is completed or failed"),
    summary="Cancel a render",
    description="A pending or processing render becomes `cancelled` at once (a running encode "
    "stops within about a second) and `render.cancelled` is sent. Cancelling a cancelled "
    "render returns it unchanged.",
)
async def cancel_render(
    render_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> object:
    return service.present(await service.cancel(session, user, render_id), settings)
