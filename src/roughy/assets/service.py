"""Asset rules: creation, the preparation outcome (ready / pending_payment / failed), billing once
per asset, deletes, purges, and how an asset is shown on each API surface. Never commits."""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.assets import repository as repo
from roughy.assets.errors import AssetNotFound, AssetNotUploaded, UploadedNotMedia
from roughy.assets.models import HAS_BYTES, Asset, AssetOrigin, AssetState

# Re-exported: callers read an asset's API shape through the service.
from roughy.assets.presentation import duration_seconds as duration_seconds
from roughy.assets.presentation import legacy_detail as legacy_detail
from roughy.assets.presentation import legacy_state as legacy_state
from roughy.assets.presentation import legacy_summary as legacy_summary
from roughy.assets.presentation import public_detail as public_detail
from roughy.assets.presentation import public_summary as public_summary
from roughy.assets.presentation import upload_url as upload_url
from roughy.assets.schemas import AssetState as PublicAssetState
from roughy.assets.schemas import (
    LegacyAssetState,
)
from roughy.auth.models import User
from roughy.config import Settings
from roughy.credits import service as credits
from roughy.engine.probe import SNIFF_BYTES, SniffResult, sniff
from roughy.errors import InsufficientCredits, NotFound, PayloadTooLarge
from roughy.jobs import defer
from roughy.kit import repository as rows
from roughy.kit.clock import utcnow
from roughy.kit.db import advisory_xact_lock
from roughy.kit.ids import new_id, parse_id
from roughy.kit.pagination import PageParams, Slice
from roughy.projects import service as projects
from roughy.projects.schemas import ProjectCreate
from roughy.storage import Storage, StorageKeyError, keys
from roughy.webhooks import service as webhooks

log = logging.getLogger(__name__)

MIN_UPLOAD_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024**3
PURGE_AFTER = timedelta(days=30)
DEFAULT_PROJECT_NAME = "Pipeline uploads"
_DEFAULT_PROJECT_LOCK = 7302
_US_PER_MINUTE = 60_000_000


# ---------------------------------------------------------------------------------------------
# Where an asset's bytes live


def source_key(asset: Asset) -> str:
    return keys.source(asset.project_id, asset.id, asset.extension)


def planned_source_key(asset: Asset, sniffed: SniffResult | None) -> str:
    """Where an upload's bytes will be assembled, before the commit records the format."""
    extension = sniffed.extension if sniffed is not None else _planned_extension(asset)
    return keys.source(asset.project_id, asset.id, extension)


def presigned_upload_key(asset: Asset) -> str:
    return keys.presigned_upload(asset.project_id, asset.id)


def analysis_audio_key(asset: Asset) -> str:
    return keys.analysis_audio(asset.project_id, asset.id)


def staging_dir(settings: Settings) -> Path:
    """Local bytes of unfinished uploads (tus `.part` files, presigned PUTs in flight)."""
    return settings.data_dir.resolve() / "uploads"


def staging_path(settings: Settings, upload_id: str) -> Path:
    return staging_dir(settings) / f"{upload_id}.part"


def credits_for(duration_us: int) -> int:
    """1 credit per started minute of source media."""
    return max(1, math.ceil(duration_us / _US_PER_MINUTE))


# ---------------------------------------------------------------------------------------------
# Creation and look-ups


def check_upload_length(length: int) -> None:
    if length > MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(f"Uploads are limited to {MAX_UPLOAD_BYTES} bytes (50 GiB).")


async def require_positive_balance(session: AsyncSession, user_id: str, settings: Settings) -> None:
    if settings.billing_enabled and await credits.balance(session, user_id) <= 0:
        raise InsufficientCredits("Your credit balance is empty; top up to start an upload.")


async def open_asset(
    session: AsyncSession,
    user: User,
    *,
    project_id: str,
    upload_length: int | None,
    surface: str,
    language: str | None = None,
    type: str | None = None,
    content_type: str | None = None,
    filename: str | None = None,
    asset_id: str | None = None,
) -> Asset:
    """A new asset in `pending_upload` (the caller opens its upload with the same id)."""
    project = await projects.get(session, user, project_id)
    return await rows.add(
        session,
        Asset(
            id=asset_id or new_id(),
            user_id=user.id,
            project_id=project.id,
            origin=AssetOrigin.UPLOAD,
            surface=surface,
            state=AssetState.PENDING_UPLOAD,
            upload_length=upload_length,
            language=language,
            type=type,
            content_type=content_type,
            filename=filename,
        ),
    )


async def add_output(
    session: AsyncSession, *, asset_id: str, user_id: str, project_id: str, **fields: Any
) -> Asset:
    """A `ready` asset for a file Roughy made and already stored (a pipeline step's output):
    `fields` are its type, storage key, size, content type, extension, filename, duration."""
    asset = Asset(
        id=asset_id,
        user_id=user_id,
        project_id=project_id,
        origin=AssetOrigin.PIPELINE,
        surface="legacy",
        state=AssetState.READY,
        ready_at=utcnow(),
        **fields,
    )
    return await rows.add(session, asset)


async def default_project_id(session: AsyncSession, user: User) -> str:
    """/api/v1 assets have no project: they live in a per-user project made on first use."""
    await advisory_xact_lock(session, _DEFAULT_PROJECT_LOCK, user.id)
    found = await repo.default_project_id(session, user.id, DEFAULT_PROJECT_NAME)
    if found is not None:
        return found
    project = await projects.create(session, user, ProjectCreate(name=DEFAULT_PROJECT_NAME))
    return project.id


async def get_owned(
    session: AsyncSession,
    user_id: str,
    asset_id: str,
    *,
    include_deleted: bool = False,
    for_update: bool = False,
    for_share: bool = False,
    not_found: type[NotFound] = AssetNotFound,
) -> Asset:
    """The caller's asset, or `not_found` (404); soft-deleted ones only with `include_deleted`."""
    asset = await rows.get_owned(
        session,
        Asset,
        user_id,
        asset_id,
        not_found,
        for_update=for_update,
        for_share=for_share,
    )
    if asset.deleted_at is not None and not include_deleted:
        raise not_found()
    return asset


async def load(session: AsyncSession, asset_id: str, *, for_update: bool = False) -> Asset | None:
    """The asset by id, whoever owns it (for rows already known to belong to the caller)."""
    return await rows.get_row(session, Asset, asset_id, for_update=for_update)


async def list_public(
    session: AsyncSession,
    user_id: str,
    page: PageParams,
    *,
    project_id: str | None,
    state: PublicAssetState | None,
) -> Slice[Asset]:
    if project_id is not None and parse_id(project_id) is None:
        return Slice(rows=[], total=0)
    return await repo.list_owned(
        session,
        user_id,
        page,
        project_id=project_id,
        states=[AssetState(state)] if state is not None else None,
        origin=AssetOrigin.UPLOAD,
    )


_LEGACY_FILTERS: dict[LegacyAssetState, list[AssetState]] = {
    LegacyAssetState.PENDING_UPLOAD: [AssetState.PENDING_UPLOAD],
    LegacyAssetState.READY: sorted(HAS_BYTES),
    LegacyAssetState.FAILED: [AssetState.FAILED],
}


async def list_legacy(
    session: AsyncSession, user_id: str, page: PageParams, state: LegacyAssetState | None
) -> Slice[Asset]:
    """Default (no state): pending_upload + ready, as the old API did."""
    if state == LegacyAssetState.DELETED:
        return await repo.list_owned(
            session, user_id, page, states=[AssetState.DELETED], include_deleted=True
        )
    states = (
        _LEGACY_FILTERS[state]
        if state is not None
        else _LEGACY_FILTERS[LegacyAssetState.PENDING_UPLOAD]
        + _LEGACY_FILTERS[LegacyAssetState.READY]
    )
    return await repo.list_owned(session, user_id, page, states=states)


# ---------------------------------------------------------------------------------------------
# Upload progress


def record_sniff(asset: Asset, sniffed: SniffResult) -> None:
    """Byte-derived fields, set once the first chunk has been seen."""
    asset.type = asset.type or sniffed.type
    asset.extension = sniffed.extension
    asset.content_type = asset.content_type or sniffed.content_type


async def mark_uploaded(
    session: AsyncSession, asset: Asset, size_bytes: int, *, storage_key: str | None = None
) -> None:
    """All bytes are in (at `storage_key`, by default the source key): `processing`, and exactly
    one `assets.prepare` in this transaction."""
    if asset.state != AssetState.PENDING_UPLOAD:
        return
    asset.state = AssetState.PROCESSING
    asset.size_bytes = size_bytes
    asset.extension = _planned_extension(asset)
    asset.storage_key = storage_key or source_key(asset)
    await session.flush()
    await defer(
        session, "assets.prepare", queue="cpu", lock=preparation_lock(asset.id), asset_id=asset.id
    )


def preparation_lock(asset_id: str) -> str:
    """The job lock of an asset's preparation. A cut asked for while the asset is prepared is
    deferred with the same lock, so the queue starts it right after the preparation (and its
    retries) finished: jobs sharing a lock run one at a time, in the order they were deferred."""
    return f"asset-prepare:{asset_id}"


def _planned_extension(asset: Asset) -> str:
    return asset.extension or _extension_from_filename(asset.filename) or "bin"


def _extension_from_filename(filename: str | None) -> str | None:
    if not filename or "." not in filename:
        return None
    suffix = filename.rsplit(".", 1)[1].lower()
    return suffix if suffix.isalnum() and len(suffix) <= 8 else None


async def confirm_presigned(
    session: AsyncSession, user_id: str, asset_id: str, storage: Storage
) -> Asset:
    """Presigned flow, step 3: the PUT landed (in the bucket, or through Roughy on local
    storage), so its format is read from its first bytes and preparation starts. Idempotent."""
    asset = await get_owned(session, user_id, asset_id, for_update=True)
    if asset.state != AssetState.PENDING_UPLOAD:
        return asset
    key = presigned_upload_key(asset)
    try:
        size = await anyio.to_thread.run_sync(storage.size, key)
    except StorageKeyError as exc:
        raise AssetNotUploaded(
            "Upload the file with the signed PUT URL before confirming."
        ) from exc
    if size < MIN_UPLOAD_BYTES:
        raise AssetNotUploaded("The uploaded file is below 64 bytes; PUT the file again.")
    head = await anyio.to_thread.run_sync(
        lambda: b"".join(storage.iter_range(key, 0, min(size, SNIFF_BYTES) - 1))
    )
    sniffed = sniff(head)
    if sniffed is None:  # nothing but media is ever kept
        await anyio.to_thread.run_sync(storage.delete, key)
        raise UploadedNotMedia()
    record_sniff(asset, sniffed)
    asset.upload_length = size
    await mark_uploaded(session, asset, size, storage_key=key)
    return asset


# ---------------------------------------------------------------------------------------------
# Deletes


async def remove(session: AsyncSession, asset: Asset) -> None:
    """Rows now (derived rows cascade), bytes in a job queued in this transaction."""
    await repo.delete_asset(session, asset.id)
    await defer(
        session,
        "storage.delete_prefix",
        queue="io",
        prefix=keys.asset_prefix(asset.project_id, asset.id),
    )


async def delete(session: AsyncSession, user_id: str, asset_id: str) -> None:
    asset = await get_owned(session, user_id, asset_id, for_update=True)
    await remove(session, asset)


async def soft_delete(session: AsyncSession, user_id: str, asset_id: str) -> None:
    """/api/v1 delete: `deleted` now, bytes purged after the 30-day grace. Idempotent."""
    asset = await get_owned(session, user_id, asset_id, include_deleted=True, for_update=True)
    if asset.deleted_at is None:
        asset.deleted_at = utcnow()
        asset.state = AssetState.DELETED
        await session.flush()


async def purge_expired(session: AsyncSession) -> int:
    """Unpaid assets and soft-deleted ones, 30 days on: rows and bytes go."""
    cutoff = utcnow() - PURGE_AFTER
    doomed = await repo.unpaid_since(session, cutoff) + await repo.soft_deleted_since(
        session, cutoff
    )
    for asset in doomed:
        await remove(session, asset)
    return len(doomed)


# ---------------------------------------------------------------------------------------------
# Preparation outcome and billing


async def fail(session: AsyncSession, asset_id: str, *, code: str, message: str) -> None:
    """`failed` keeps the row and its error; the bytes go (nothing is stored unpaid)."""
    asset = await load(session, asset_id, for_update=True)
    if asset is None or asset.state != AssetState.PROCESSING:
        return
    asset.state = AssetState.FAILED
    asset.error_code = code
    asset.error_message = message[:2000]
    asset.storage_key = None
    asset.analysis_audio_key = None
    await session.flush()
    await defer(
        session,
        "storage.delete_prefix",
        queue="io",
        prefix=keys.asset_prefix(asset.project_id, asset.id),
    )
    await webhooks.emit(
        session,
        user_id=asset.user_id,
        event_type="asset.failed",
        data={"entity_id": asset.id, "asset_id": asset.id},
    )


async def settle(
    session: AsyncSession,
    asset_id: str,
    *,
    duration_us: int,
    media_info: dict[str, Any],
    analysis_key: str,
    billing_enabled: bool,
) -> str | None:
    """Record what preparation measured, then charge once: ready, or pending_payment when the
    balance is short. /api/v1 assets are billed by their pipelines, never here."""
    asset = await load(session, asset_id, for_update=True)
    if asset is None or asset.state != AssetState.PROCESSING:
        return None
    asset.duration_us = duration_us
    asset.media_info = media_info
    asset.analysis_audio_key = analysis_key
    charge = billing_enabled and asset.surface == "v1"
    if charge and not await credits.try_consume_asset(
        session, asset.user_id, asset.id, credits_for(duration_us)
    ):
        asset.state = AssetState.PENDING_PAYMENT
        asset.pending_payment_at = utcnow()
        await session.flush()
        await webhooks.emit(
            session,
            user_id=asset.user_id,
            event_type="asset.pending_payment",
            data={"entity_id": asset.id, "asset_id": asset.id},
        )
        return asset.state
    await _make_ready(session, asset, previous_state=AssetState.PROCESSING)
    return asset.state


async def _make_ready(session: AsyncSession, asset: Asset, *, previous_state: AssetState) -> None:
    asset.state = AssetState.READY
    asset.ready_at = utcnow()
    asset.pending_payment_at = None
    await session.flush()
    await webhooks.emit(
        session,
        user_id=asset.user_id,
        event_type="asset.ready",
        data={"entity_id": asset.id, "asset_id": asset.id, "previous_state": previous_state},
    )


async def activate_pending_payment(session: AsyncSession, user_id: str) -> list[str]:
    """After a top-up: charge waiting assets oldest first, stopping at the first one the balance
    cannot cover (a newer, cheaper asset never jumps the queue)."""
    activated: list[str] = []
    for asset in await repo.pending_payment_oldest_first(session, user_id):
        amount = credits_for(asset.duration_us or 0)
        if not await credits.try_consume_asset(session, user_id, asset.id, amount):
            break
        await _make_ready(session, asset, previous_state=AssetState.PENDING_PAYMENT)
        activated.append(asset.id)
    return activated
