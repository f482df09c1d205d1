"""The list envelope shared by every list endpoint: limit 1-100 (20), offset, newest first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.kit.db import Base

T = TypeVar("T")
M = TypeVar("M", bound=Base)
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True)
class PageParams:
    limit: int = 20
    offset: int = 0


def page_params(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(
        cls, found: Slice[Any], page: PageParams, present: Callable[[Any], Any] | None = None
    ) -> Page[Any]:
        """The response for one page of rows, each shown by `present` (as is without)."""
        items = found.rows if present is None else [present(row) for row in found.rows]
        return cls(items=items, total=found.total, limit=page.limit, offset=page.offset)


@dataclass(frozen=True)
class Slice(Generic[T]):
    """What a repository returns for one page: the rows and the count of all matches."""

    rows: list[T]
    total: int


def given(model: type[M], **values: object) -> list[ColumnElement[bool]]:
    """`column == value` for each list filter the caller gave (None means not filtered; ids
    parsed as UUIDs compare as the strings the columns hold)."""
    return [
        getattr(model, name) == (str(value) if isinstance(value, UUID) else value)
        for name, value in values.items()
        if value is not None
    ]


async def fetch_newest_first(
    session: AsyncSession, model: type[M], where: Sequence[ColumnElement[bool]], page: PageParams
) -> Slice[M]:
    """One page of `model` rows matching `where`, newest first, with the count of all matches."""
    total = await session.scalar(select(func.count()).select_from(model).where(*where))
    columns = model.__table__.c  # type: ignore[attr-defined]
    rows = await session.execute(
        select(model)
        .where(*where)
        .order_by(columns.created_at.desc(), columns.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return Slice(rows=list(rows.scalars()), total=int(total or 0))
