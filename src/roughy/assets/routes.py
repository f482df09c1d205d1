from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Response

from roughy.assets import listening, service
from roughy.assets.schemas import (
    Asset,
    AssetState,
    AssetSummary,
    LegacyAsset,
    LegacyAssetState,
    LegacyAssetSummary,
    Waveform,
)
from roughy.auth.dependencies import CurrentUser
from roughy.deps import SessionDep, SettingsDep, StorageDep
from roughy.kit.openapi import error_responses
from roughy.kit.pagination import Page, PageDep

public = APIRouter(prefix="/v1/assets", tags=["Assets"], responses=error_responses())
legacy = APIRouter(prefix="/api/v1/assets", tags=["assets"])


@public.get("", response_model=Page[AssetSummary])
async def list_assets(
    user: CurrentUser,
    session: SessionDep,
    page: PageDep,
    project_id: Annotated[str | None, Query()] = None,
    state: Annotated[AssetState | None, Query()] = None,
) -> object:
    found = await service.list_public(session, user.id, page, project_id=project_id, state=state)
    return Page.of(found, page, service.public_summary)


@public.get("/{asset_id}", response_model=Asset, responses=error_responses(404))
async def get_asset(
    asset_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> object:
    asset = await service.get_owned(session, user.id, asset_id)
    return service.public_detail(asset, settings)


NOT_PREPARED = "asset_not_uploaded: the asset's audio is not prepared yet"


@public.get(
    "/{asset_id}/waveform",
    response_model=Waveform,
    responses=error_responses(404, 409, s409=NOT_PREPARED),
    summary="Waveform of an asset",
    description="Peak levels of the source's sound, for drawing it (ready or pending_payment).",
)
async def get_waveform(
    asset_id: str,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
    points: Annotated[int, Query(ge=1, le=20_000)] = 2000,
) -> object:
    peaks, duration_us = await listening.waveform(session, storage, user.id, asset_id, points)
    return Waveform(duration_seconds=service.duration_seconds(duration_us) or "0", peaks=peaks)


@public.get(
    "/{asset_id}/audio",
    response_class=Response,
    responses={
        200: {"description": "16 kHz mono WAV.", "content": {"audio/wav": {}}},
        **error_responses(404, 409, 422, s409=NOT_PREPARED),
    },
    summary="Listen to part of an asset",
    description="The source's sound between `start` and `end` (seconds, at most 120 s apart) "
    "as a 16 kHz mono WAV: what the review editor plays around a decision.",
)
async def get_audio_excerpt(
    asset_id: str,
    user: CurrentUser,
    session: SessionDep,
    storage: StorageDep,
    start: Annotated[Decimal, Query(ge=0, le=10**7)],
    end: Annotated[Decimal, Query(ge=0, le=10**7)],
) -> Response:
    audio = await listening.excerpt(
        session,
        storage,
        user.id,
        asset_id,
        int(start.scaleb(6).to_integral_value()),
        int(end.scaleb(6).to_integral_value()),
    )
    return Response(
        audio, media_type="audio/wav", headers={"Cache-Control": "private, max-age=3600"}
    )


@public.delete("/{asset_id}", status_code=204, responses=error_responses(404))
async def delete_asset(asset_id: str, user: CurrentUser, session: SessionDep) -> Response:
    await service.delete(session, user.id, asset_id)
    return Response(status_code=204)


@legacy.get("", response_model=Page[LegacyAssetSummary])
async def list_legacy_assets(
    user: CurrentUser,
    session: SessionDep,
    page: PageDep,
    state: Annotated[LegacyAssetState | None, Query()] = None,
) -> object:
    found = await service.list_legacy(session, user.id, page, state)
    return Page.of(found, page, service.legacy_summary)


@legacy.get("/{asset_id}", response_model=LegacyAsset)
async def get_legacy_asset(
    asset_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> object:
    asset = await service.get_owned(session, user.id, asset_id, include_deleted=True)
    return service.legacy_detail(asset, settings)


@legacy.delete("/{asset_id}", status_code=204)
async def delete_legacy_asset(asset_id: str, user: CurrentUser, session: SessionDep) -> Response:
    await service.soft_delete(session, user.id, asset_id)
    return Response(status_code=204)
