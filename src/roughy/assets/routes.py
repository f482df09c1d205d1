from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from roughy.assets import service
from roughy.assets.schemas import (
    Asset,
    AssetState,
    AssetSummary,
    LegacyAsset,
    LegacyAssetState,
    LegacyAssetSummary,
)
from roughy.auth.dependencies import CurrentUser
from roughy.deps import SessionDep, SettingsDep
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
    items = [service.public_summary(a) for a in found.rows]
    return Page(items=items, total=found.total, limit=page.limit, offset=page.offset)


@public.get("/{asset_id}", response_model=Asset, responses=error_responses(404))
async def get_asset(
    asset_id: str, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> object:
    asset = await service.get_owned(session, user.id, asset_id)
    return service.public_detail(asset, settings)


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
    items = [service.legacy_summary(a) for a in found.rows]
    return Page(items=items, total=found.total, limit=page.limit, offset=page.offset)


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
