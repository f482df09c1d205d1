"""Appending to and replaying event streams (SQL on the caller's session)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.events.bus import CHANNEL
from roughy.events.models import Event
from roughy.kit.clock import utcnow


@dataclass(frozen=True)
class StoredEvent:
    stream: str
    seq: int
    type: str
    data: dict[str, Any]
    created_at: datetime

    def to_json(self) -> str:
        return json.dumps(self.data, separators=(",", ":"), default=str)


_NEXT_SEQ = text(
    """
    INSERT INTO event_streams (stream, last_seq) VALUES (:stream, 1)
    ON CONFLICT (stream) DO UPDATE SET last_seq = event_streams.last_seq + 1
    RETURNING last_seq
    """
)


async def append(session: AsyncSession, stream: str, type: str, data: dict[str, Any]) -> int:
    """Add an event to `stream` in the caller's transaction; returns its sequence number.

    Subscribers are notified when the transaction commits (nothing is announced on rollback).
    """
    seq = int((await session.execute(_NEXT_SEQ, {"stream": stream})).scalar_one())
    session.add(Event(stream=stream, seq=seq, type=type, data=data, created_at=utcnow()))
    await session.flush()
    await session.execute(
        text("SELECT pg_notify(:channel, :stream)"),
        {
            "channel": CHANNEL,
            "stream": stream,
        },
    )
    return seq


def _stored(row: Event) -> StoredEvent:
    return StoredEvent(row.stream, row.seq, row.type, dict(row.data), row.created_at)


async def read_after(
    session: AsyncSession, stream: str, after_seq: int = 0, *, limit: int = 1000
) -> list[StoredEvent]:
    rows = await session.execute(
        select(Event)
        .where(Event.stream == stream, Event.seq > after_seq)
        .order_by(Event.seq)
        .limit(limit)
    )
    return [_stored(row) for row in rows.scalars()]


async def last_event(session: AsyncSession, stream: str) -> StoredEvent | None:
    row = await session.scalar(
        select(Event).where(Event.stream == stream).order_by(Event.seq.desc()).limit(1)
    )
    return None if row is None else _stored(row)
