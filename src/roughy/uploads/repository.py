from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.assets.models import Asset, AssetOrigin, AssetState
from roughy.uploads.models import Upload, UploadKind, UploadState


async def add(session: AsyncSession, upload: Upload) -> Upload:
    session.add(upload)
    await session.flush()
    return upload


async def get(session: AsyncSession, upload_id: str, *, for_update: bool = False) -> Upload | None:
    query = select(Upload).where(Upload.id == upload_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def get_many(
    session: AsyncSession, upload_ids: Sequence[str], *, for_update: bool = False
) -> list[Upload]:
    query = select(Upload).where(Upload.id.in_(list(upload_ids)))
    if for_update:
        query = query.with_for_update()
    return list((await session.execute(query)).scalars())


def _staged_bytes_needed() -> ColumnElement[bool]:
    """Unfinished, or a complete part no final took yet."""
    return or_(
        Upload.state == UploadState.ACTIVE,
        and_(Upload.kind == UploadKind.PARTIAL, Upload.state == UploadState.COMPLETE),
    )


async def expired_active(session: AsyncSession, now: datetime, limit: int = 500) -> list[Upload]:
    rows = await session.execute(
        select(Upload)
        .where(
            _staged_bytes_needed(),
            Upload.expires_at < now,
        )
        .order_by(Upload.expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows.scalars())


async def orphaned_active(session: AsyncSession, limit: int = 500) -> list[Upload]:
    """Active single/final uploads whose asset is gone (asset or project deleted)."""
    rows = await session.execute(
        select(Upload)
        .where(
            Upload.state == UploadState.ACTIVE,
            Upload.kind != UploadKind.PARTIAL,
            Upload.asset_id.is_(None),
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows.scalars())


async def live_ids(session: AsyncSession, ids: Sequence[str]) -> set[str]:
    """Of `ids`, those whose staged bytes are still needed (unfinished, or a spare part)."""
    if not ids:
        return set()
    rows = await session.execute(
        select(Upload.id).where(
            Upload.id.in_(list(ids)),
            _staged_bytes_needed(),
        )
    )
    return set(rows.scalars())


async def set_state(session: AsyncSession, upload_ids: Sequence[str], state: UploadState) -> None:
    await session.execute(update(Upload).where(Upload.id.in_(list(upload_ids))).values(state=state))


async def abandoned_presigned(
    session: AsyncSession, before: datetime, limit: int = 500
) -> list[Asset]:
    """Assets opened for a presigned PUT (they have no tus upload) and never confirmed."""
    has_upload = select(Upload.id).where(Upload.id == Asset.id).exists()
    rows = await session.execute(
        select(Asset)
        .where(
            Asset.origin == AssetOrigin.UPLOAD,
            Asset.state == AssetState.PENDING_UPLOAD,
            Asset.created_at < before,
            ~has_upload,
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows.scalars())
