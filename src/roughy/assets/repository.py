from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.assets.models import Asset, AssetOrigin, AssetState
from roughy.kit.pagination import PageParams, Slice, fetch_newest_first, given
from roughy.projects.models import Project


async def list_owned(
    session: AsyncSession,
    user_id: str,
    page: PageParams,
    *,
    project_id: str | None = None,
    states: Sequence[AssetState] | None = None,
    include_deleted: bool = False,
    origin: AssetOrigin | None = None,
) -> Slice[Asset]:
    where = [Asset.user_id == user_id, *given(Asset, project_id=project_id, origin=origin)]
    if states is not None:
        where.append(Asset.state.in_(list(states)))
    if not include_deleted:
        where.append(Asset.deleted_at.is_(None))
    return await fetch_newest_first(session, Asset, where, page)


async def pending_payment_oldest_first(session: AsyncSession, user_id: str) -> list[Asset]:
    rows = await session.execute(
        select(Asset)
        .where(Asset.user_id == user_id, Asset.state == AssetState.PENDING_PAYMENT)
        .order_by(Asset.pending_payment_at.asc().nulls_first(), Asset.created_at.asc())
        .with_for_update()
    )
    return list(rows.scalars())


async def unpaid_since(session: AsyncSession, before: datetime) -> list[Asset]:
    rows = await session.execute(
        select(Asset)
        .where(Asset.state == AssetState.PENDING_PAYMENT, Asset.pending_payment_at < before)
        .with_for_update(skip_locked=True)
    )
    return list(rows.scalars())


async def soft_deleted_since(session: AsyncSession, before: datetime) -> list[Asset]:
    rows = await session.execute(
        select(Asset).where(Asset.deleted_at < before).with_for_update(skip_locked=True)
    )
    return list(rows.scalars())


async def delete_asset(session: AsyncSession, asset_id: str) -> None:
    await session.execute(delete(Asset).where(Asset.id == asset_id))


async def default_project_id(session: AsyncSession, user_id: str, name: str) -> str | None:
    """The user's oldest project called `name` (read-only look-up of the projects table)."""
    return await session.scalar(
        select(Project.id)
        .where(Project.user_id == user_id, Project.name == name)
        .order_by(Project.created_at.asc())
        .limit(1)
    )
