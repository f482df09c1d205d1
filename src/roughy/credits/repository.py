from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.credits.models import LedgerEntry
from roughy.credits.schemas import EntrySource
from roughy.kit.db import advisory_xact_lock
from roughy.kit.pagination import PageParams, Slice, fetch_newest_first

LEDGER_LOCK_NAMESPACE = 7101


@dataclass(frozen=True)
class OpenHold:
    pipeline_id: str
    amount: int
    created_at: datetime


async def lock_account(session: AsyncSession, user_id: str) -> None:
    await advisory_xact_lock(session, LEDGER_LOCK_NAMESPACE, user_id)


async def balance(session: AsyncSession, user_id: str) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(LedgerEntry.user_id == user_id)
    )
    return int(total or 0)


def _fill_origin(entry: LedgerEntry) -> None:
    """Charges and pipeline movements say where they came from by their own ids."""
    if entry.source is None:
        if entry.asset_id is not None:
            entry.source = EntrySource.ASSET.value
        elif entry.pipeline_id is not None:
            entry.source = EntrySource.PIPELINE.value
        else:
            entry.source = EntrySource.OPERATOR.value
    if entry.reference is None:
        entry.reference = entry.asset_id or entry.pipeline_id or entry.grant_id


async def append(session: AsyncSession, entry: LedgerEntry) -> LedgerEntry:
    _fill_origin(entry)
    session.add(entry)
    await session.flush()
    return entry


async def history(session: AsyncSession, user_id: str, page: PageParams) -> Slice[LedgerEntry]:
    where = LedgerEntry.user_id == user_id
    return await fetch_newest_first(session, LedgerEntry, [where], page)


def _remaining_hold() -> ColumnElement[int]:
    return func.sum(
        case(
            (LedgerEntry.type == "hold", LedgerEntry.amount),
            (LedgerEntry.type.in_(("commit", "release")), -LedgerEntry.amount),
            else_=0,
        )
    )


async def open_holds(
    session: AsyncSession, user_id: str, pipeline_id: str | None = None
) -> list[OpenHold]:
    remaining = _remaining_hold()
    query = (
        select(LedgerEntry.pipeline_id, remaining, func.min(LedgerEntry.created_at))
        .where(LedgerEntry.user_id == user_id, LedgerEntry.pipeline_id.is_not(None))
        .group_by(LedgerEntry.pipeline_id)
        .having(remaining > 0)
        .order_by(func.min(LedgerEntry.created_at))
    )
    if pipeline_id is not None:
        query = query.where(LedgerEntry.pipeline_id == pipeline_id)
    rows = await session.execute(query)
    return [OpenHold(pipeline_id=str(p), amount=int(a), created_at=c) for p, a, c in rows.all()]


async def has_consumed(session: AsyncSession, asset_id: str) -> bool:
    found = await session.scalar(
        select(LedgerEntry.id).where(
            LedgerEntry.asset_id == asset_id, LedgerEntry.type == "consume_asset"
        )
    )
    return found is not None
