"""Database base classes and the async engine wrapper (SQLAlchemy 2, psycopg 3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, MetaData, String, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import DateTime

from roughy.kit.clock import utcnow
from roughy.kit.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}


class CreatedAt:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)


class AssetWorkColumns:
    """The identity of a row that works on one asset for its owner (a cut, a render)."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))


def asset_work_indexes(table: str) -> tuple[Index, Index]:
    """The two list indexes of an `AssetWorkColumns` table: by owner and by asset, newest first."""
    return (
        Index(f"ix_{table}_user_created", "user_id", "created_at"),
        Index(f"ix_{table}_asset_created", "asset_id", "created_at"),
    )


def enum_column(values: type[StrEnum], *, default: StrEnum | None = None, length: int = 16) -> Any:
    """A column typed by its enum (a state, a kind), stored as the member's value in a plain
    VARCHAR: no database enum type or check constraint, so the schema stays the migrations'
    `String(length)`."""
    return mapped_column(
        Enum(
            values,
            native_enum=False,
            create_constraint=False,
            length=length,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        nullable=False,
        default=default,
    )


def sqlalchemy_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and point them at the psycopg 3 driver."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError("ROUGHY_DATABASE_URL must be a postgresql:// URL")


def libpq_url(url: str) -> str:
    """The same URL as libpq/psycopg understand it (for procrastinate and alembic)."""
    return "postgresql://" + sqlalchemy_url(url)[len("postgresql+psycopg://") :]


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = libpq_url(url)
        self.engine: AsyncEngine = create_async_engine(
            sqlalchemy_url(url), pool_size=pool_size, max_overflow=20, pool_pre_ping=True
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends, rolled back if it raises."""
        async with self.sessionmaker() as session, session.begin():
            yield session

    async def ping(self) -> bool:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


async def advisory_xact_lock(session: AsyncSession, namespace: int, key: str) -> None:
    """Serialise writers on `key` until the surrounding transaction ends."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"), {"ns": namespace, "key": key}
    )
