from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.cuts.models import Cut
from roughy.jobs import JobState
from roughy.kit.pagination import PageParams, Slice, fetch_newest_first, given

"""Offsets beyond any table size (and below bigint overflow) all return an empty page."""


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
