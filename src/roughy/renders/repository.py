from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.jobs.engine_job import STOPPED_STATES
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
