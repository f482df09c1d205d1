"""Row look-ups every domain repository shares: by id, and by id for its owner (404 otherwise)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.errors import NotFound
from roughy.kit.db import Base
from roughy.kit.ids import parse_id

M = TypeVar("M", bound=Base)


async def add(session: AsyncSession, row: M) -> M:
    session.add(row)
    await session.flush()
    return row


async def get_row(
    session: AsyncSession,
    model: type[M],
    row_id: str,
    *,
    owner: str | None = None,
    for_update: bool = False,
    for_share: bool = False,
    where: tuple[ColumnElement[bool], ...] = (),
) -> M | None:
    """The `model` row with this id (and `user_id == owner` when given), or None; a malformed
    id is None without a query. `for_share` blocks writers, not readers."""
    if parse_id(row_id) is None:
        return None
    columns: Any = model
    query = select(model).where(columns.id == row_id, *where)
    if owner is not None:
        query = query.where(columns.user_id == owner)
    if for_update or for_share:
        query = query.with_for_update(read=not for_update)
    return (await session.execute(query)).scalar_one_or_none()


async def get_owned(
    session: AsyncSession,
    model: type[M],
    owner: str,
    row_id: str,
    not_found: type[NotFound],
    *,
    for_update: bool = False,
    for_share: bool = False,
    where: tuple[ColumnElement[bool], ...] = (),
) -> M:
    """The caller's row, or `not_found` (404): missing, malformed id and someone else's are one."""
    row = await get_row(
        session,
        model,
        row_id,
        owner=owner,
        for_update=for_update,
        for_share=for_share,
        where=where,
    )
    if row is None:
        raise not_found()
    return row
