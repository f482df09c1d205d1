from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from roughy.kit.db import Base, CreatedAt


class EventStream(Base):
    """The last sequence number handed out in a stream. Its row lock orders the stream's writers,
    so sequence numbers become visible in order and a reader never skips one."""

    __tablename__ = "event_streams"

    stream: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)


class Event(CreatedAt, Base):
    __tablename__ = "events"

    stream: Mapped[str] = mapped_column(String(120), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
