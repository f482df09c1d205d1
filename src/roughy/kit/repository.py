"""Row look-ups every domain repository shares: by id, and by id for its owner (404 otherwise)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.errors import NotFound
from roughy.kit.db import Base, advisory_xact_lock
from roughy.kit.ids import parse_id
from roughy.kit.pagination import PageParams, Slice, fetch_newest_first, given

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


class Owner(Protocol):
    @property
    def id(self) -> str: ...


class OwnedRows(Generic[M]):
    """A domain's `get(session, user, row_id, for_update=...)`: the caller's row, or the
    domain's 404 (`get_owned`)."""

    def __init__(self, model: type[M], not_found: type[NotFound]) -> None:
        self.model, self.not_found = model, not_found

    async def __call__(
        self, session: AsyncSession, user: Owner, row_id: str, *, for_update: bool = False
    ) -> M:
        return await get_owned(
            session, self.model, user.id, row_id, self.not_found, for_update=for_update
        )


async def list_owned(
    session: AsyncSession, model: type[M], owner: str, page: PageParams, **filters: object
) -> Slice[M]:
    """One page of the owner's rows, newest first; each filter given is `column == value`
    (None: not filtered)."""
    columns: Any = model
    where = [columns.user_id == owner, *given(model, **filters)]
    return await fetch_newest_first(session, model, where, page)


async def add_unless_live(
    session: AsyncSession,
    lock: tuple[int, str],
    find_live: Callable[[], Awaitable[M | None]],
    new: Callable[[], M],
) -> tuple[M, bool]:
    """Idempotent creation: under a transaction advisory lock on `lock` (namespace, key), the
    live row `find_live` returns (False), or else the `new` row, added (True)."""
    await advisory_xact_lock(session, *lock)
    existing = await find_live()
    if existing is not None:
        return existing, False
    return await add(session, new()), True
