from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Query, Response

from roughy.auth.dependencies import CurrentUser
from roughy.auth.models import User
from roughy.cuts import service
from roughy.cuts.schemas import Cut, CutCreate, CutState, CutSummary, ExportFormat, SubtitleFormat
from roughy.deps import SessionDep
from roughy.kit.openapi import answer_create, error_responses, idempotent_create_responses
from roughy.kit.pagination import Page, PageDep

router = APIRouter(prefix="/v1/cuts", tags=["Cuts"])

CREATE_CONFLICTS = (
    "asset_processing (the upload is not finished; honour Retry-After), "
    "asset_payment_required (pending_payment), asset_failed (failed)"
)
EXPORT_CONFLICTS = "unsupported_format: unknown format, or the cut is not completed"


@router.post(
    "",
    response_model=Cut,
    status_code=201,
    responses=idempotent_create_responses(
        Cut,
        "The existing cut of the same asset and script.",
        "A new cut; `Location` points at it.",
        404,
        409,
        s409=CREATE_CONFLICTS,
    ),
    summary="Cut an asset",
    description="Idempotent on (asset, script): an identical request returns the existing cut "
    "(200) instead of starting another. A failed cut does not count: asking again starts anew. "
    "A cut asked for while the asset is being prepared (`processing`) is accepted and stays "
    "`pending` until the preparation is over; it fails with `asset_failed` if the preparation "
    "fails, or `asset_payment_required` if the asset then waits for payment.",
)
async def create_cut(
    body: CutCreate, user: CurrentUser, session: SessionDep, response: Response
) -> object:
    cut, created = await service.create(session, user, body)
    answer_create(response, created, f"/v1/cuts/{cut.id}")
    return service.present(cut)


@router.get(
    "",
    response_model=Page[CutSummary],
    responses=error_responses(),
    summary="List cuts",
    description="Newest first; the plan (segments) is on the detail only.",
)
async def list_cuts(
    user: CurrentUser,
    session: SessionDep,
    page: PageDep,
    asset_id: Annotated[UUID | None, Query()] = None,
    project_id: Annotated[UUID | None, Query()] = None,
    state: Annotated[CutState | None, Query()] = None,
) -> object:
    found = await service.list_cuts(
        session, user, page, asset_id=asset_id, project_id=project_id, state=state
    )
    return Page.of(found, page, lambda cut: service.present(cut, detail=False))


@router.get(
    "/{cut_id}",
    response_model=Cut,
    responses=error_responses(404),
    summary="Get a cut",
)
async def get_cut(cut_id: str, user: CurrentUser, session: SessionDep) -> object:
    return service.present(await service.get(session, user, cut_id))


def _format_query(formats: type[StrEnum]) -> Any:
    """The `format` query parameter: one of `formats` (validated by the service)."""
    names = [f.value for f in formats]
    return Query(description=" | ".join(names), json_schema_extra={"examples": names})


async def _download(
    session: SessionDep, user: User, cut_id: str, fmt: str, *, subtitle: bool
) -> Response:
    exported = await service.export(session, user, cut_id, fmt, subtitle=subtitle)
    filename = exported.filename
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    headers = {"Content-Disposition": disposition}
    return Response(exported.content, media_type=exported.media_type, headers=headers)


FILE_RESPONSE = {
    "description": "The exported file, as an attachment.",
    "content": {
        "application/xml": {},
        "text/plain": {},
        "application/json": {},
        "application/vnd.opentimelineio+json": {},
    },
}


@router.get(
    "/{cut_id}/export",
    response_class=Response,
    responses={200: FILE_RESPONSE, **error_responses(404, 409, s409=EXPORT_CONFLICTS)},
    summary="Export a cut to an editor",
    description="The kept-segment plan as an editor timeline: `fcpxml` (Final Cut Pro, "
    "application/xml), `xmeml` (Premiere/Resolve XML, application/xml, .xml), `edl` (CMX 3600, "
    "text/plain), `otio` (OpenTimelineIO, application/vnd.opentimelineio+json) or `json` (the "
    "cut document, application/json).",
)
async def export_cut(
    cut_id: str,
    user: CurrentUser,
    session: SessionDep,
    format: Annotated[str, _format_query(ExportFormat)],
) -> Response:
    return await _download(session, user, cut_id, format, subtitle=False)


@router.get(
    "/{cut_id}/subtitle/export",
    response_class=Response,
    responses={
        200: {
            "description": "The caption file, as an attachment.",
            "content": {"application/x-subrip": {}, "text/vtt": {}},
        },
        **error_responses(404, 409, s409=EXPORT_CONFLICTS),
    },
    summary="Export a cut's subtitle as SRT or VTT",
    description="Captions of the words the cut keeps, retimed to the cut's output timeline.",
)
async def export_subtitle(
    cut_id: str,
    user: CurrentUser,
    session: SessionDep,
    format: Annotated[str, _format_query(SubtitleFormat)] = "srt",
) -> Response:
    return await _download(session, user, cut_id, format, subtitle=True)
