from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.auth.models import ApiKey, EmailVerification, User


async def get_user(session: AsyncSession, user_id: str) -> User | None:
    return await session.get(User, user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == email.lower()))
    return result.scalar_one_or_none()


async def add(session: AsyncSession, row: User | ApiKey | EmailVerification) -> None:
    session.add(row)
    await session.flush()


async def get_key_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    result = await session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash))
    return result.scalar_one_or_none()


async def list_keys(session: AsyncSession, user_id: str, kind: str) -> list[ApiKey]:
    result = await session.execute(
        select(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.kind == kind)
        .order_by(ApiKey.created_at, ApiKey.id)
    )
    return list(result.scalars())


async def get_key(session: AsyncSession, user_id: str, key_id: str) -> ApiKey | None:
    result = await session.execute(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == user_id)
    )
    return result.scalar_one_or_none()


async def touch_key(
    session: AsyncSession, key_id: str, used_at: datetime, expires_at: datetime | None
) -> None:
    values: dict[str, datetime] = {"last_used_at": used_at}
    if expires_at is not None:
        values["expires_at"] = expires_at
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(**values))


async def get_verification(session: AsyncSession, token_hash: str) -> EmailVerification | None:
    result = await session.execute(
        select(EmailVerification).where(EmailVerification.token_hash == token_hash)
    )
    return result.scalar_one_or_none()


async def users_deleted_before(session: AsyncSession, cutoff: datetime) -> list[User]:
    """Soft-deleted before `cutoff` and not yet anonymised."""
    result = await session.execute(
        select(User).where(
            User.deleted_at.is_not(None),
            User.deleted_at < cutoff,
            ~User.email.like("deleted-%@invalid"),
        )
    )
    return list(result.scalars())


async def revoke_all_keys(
    session: AsyncSession, user_id: str, when: datetime, *, kind: str | None = None
) -> None:
    """Revoke every live key of the user (only those of `kind` when given)."""
    where = [ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None)]
    if kind is not None:
        where.append(ApiKey.kind == kind)
    await session.execute(update(ApiKey).where(*where).values(revoked_at=when))
