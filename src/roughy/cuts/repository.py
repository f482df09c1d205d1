from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.cuts.models import Cut
from roughy.jobs import JobState

"""Offsets beyond any table size (and below bigint overflow) all return an empty page."""


async def find_live(session: AsyncSession, asset_id: str, script_key: str) -> Cut | None:
    return (
        await session.execute(
            select(Cut).where(
                Cut.asset_id == asset_id, Cut.script_key == script_key, Cut.state != JobState.FAILED
            )
        )
    ).scalar_one_or_none()
