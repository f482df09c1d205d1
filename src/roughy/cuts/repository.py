from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.assets.models import Asset
from roughy.cuts.models import Cut
from roughy.jobs import JobState
from roughy.kit.pagination import PageParams, Slice, fetch_newest_first, given

"""Offsets beyond any table size (and below bigint overflow) all return an empty page."""


async def add(session: AsyncSession, cut: Cut) -> Cut:
    session.add(cut)
    await session.flush()
    return cut


async def get_asset_owned(
    session: AsyncSession, user_id: str, asset_id: str, *, for_share: bool = False
) -> Asset | None:
    query = select(Asset).where(
        Asset.id == asset_id, Asset.user_id == user_id, Asset.deleted_at.is_(None)
    )
    if for_share:
        query = query.with_for_update(read=True)
    return (await session.execute(query)).scalar_one_or_none()


async def get_asset(session: AsyncSession, asset_id: str) -> Asset | None:
    return await session.get(Asset, asset_id)


async def get_owned(
    session: AsyncSession, user_id: str, cut_id: str, *, for_update: bool = False
) -> Cut | None:
    query = select(Cut).where(Cut.id == cut_id, Cut.user_id == user_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def get(session: AsyncSession, cut_id: str, *, for_update: bool = False) -> Cut | None:
    query = select(Cut).where(Cut.id == cut_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def find_live(session: AsyncSession, asset_id: str, script_key: str) -> Cut | None:
    return (
        await session.execute(
            select(Cut).where(
                Cut.asset_id == asset_id, Cut.script_key == script_key, Cut.state != JobState.FAILED
            )
        )
    ).scalar_one_or_none()


async def list_owned(
    session: AsyncSession,
    user_id: str,
    page: PageParams,
    *,
    asset_id: str | None,
    project_id: str | None,
    state: str | None,
) -> Slice[Cut]:
    where = [
        Cut.user_id == user_id,
        *given(Cut, asset_id=asset_id, project_id=project_id, state=state),
    ]
    return await fetch_newest_first(session, Cut, where, page)
