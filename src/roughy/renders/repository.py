from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.jobs.engine_job import STOPPED_STATES
from roughy.kit.pagination import PageParams, Slice, fetch_newest_first, given
from roughy.renders.models import Render

"""Offsets beyond any table size (and below bigint overflow) all return an empty page."""


async def find_live(session: AsyncSession, asset_id: str, request_key: str) -> Render | None:
    return (
        await session.execute(
            select(Render).where(
                Render.asset_id == asset_id,
                Render.request_key == request_key,
                Render.state.not_in(STOPPED_STATES),
            )
        )
    ).scalar_one_or_none()


async def list_owned(
    session: AsyncSession,
    user_id: str,
    page: PageParams,
    *,
    asset_id: str | None,
    cut_id: str | None,
    state: str | None,
) -> Slice[Render]:
    where = [
        Render.user_id == user_id,
        *given(Render, asset_id=asset_id, cut_id=cut_id, state=state),
    ]
    return await fetch_newest_first(session, Render, where, page)
