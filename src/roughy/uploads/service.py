"""Upload rules: opening tus uploads on both surfaces, committing progress (one commit per
PATCH), completion, concatenation, termination and expiry. Never commits; never touches bytes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.assets import service as assets
from roughy.assets.models import Asset, AssetState
from roughy.assets.schemas import AssetCreate
from roughy.auth.models import User
from roughy.config import Settings
from roughy.engine.probe import SniffResult
from roughy.errors import ValidationFailed
from roughy.kit.clock import utcnow
from roughy.kit.ids import new_id, parse_id
from roughy.uploads import repository as repo
from roughy.uploads.errors import (
    ConcatenationConflict,
    MalformedTusRequest,
    OffsetMismatch,
    UploadExpired,
    UploadNotFound,
)
from roughy.uploads.models import Upload, UploadKind, UploadState
from roughy.uploads.staging import Staged, StagedRef
from roughy.uploads.tus import LEGACY, V1, Creation, Surface, sanitize_filename

LEGACY_TYPES = ("audio", "video")
_LEGACY_TYPE_ALIASES = {"audio_input": "audio", "video_input": "video"}


def legacy_type(value: str | None) -> str | None:
    """An /api/v1 asset type as the old docs spell it: `audio`, `AUDIO` or `audio_input`."""
    if value is None:
        return None
    name = value.strip().lower()
    return _LEGACY_TYPE_ALIASES.get(name, name)


@dataclass(frozen=True)
class Committed:
    offset: int
    length: int | None
    expires_at: datetime
    completed: bool
    source_key: str | None
    """Where the finished bytes go (set when this commit completed an asset's upload)."""

    @classmethod
    def of(cls, upload: Upload, *, source_key: str | None = None) -> Committed:
        """The upload's committed state as the client is told it."""
        complete = upload.state == UploadState.COMPLETE
        return cls(upload.offset, upload.length, upload.expires_at, complete, source_key)


def _expiry(settings: Settings) -> datetime:
    return utcnow() + timedelta(hours=settings.upload_expiry_hours)


def is_expired(upload: Upload) -> bool:
    return upload.state == UploadState.EXPIRED or (
        upload.state == UploadState.ACTIVE and upload.expires_at <= utcnow()
    )


# ---------------------------------------------------------------------------------------------
# Opening uploads


async def open_for_new_asset(
    session: AsyncSession, user: User, body: AssetCreate, settings: Settings
) -> tuple[Asset, Upload]:
    """POST /v1/assets: the asset in pending_upload and its tus upload (same id)."""
    assets.check_upload_length(body.size_bytes)
    asset = await assets.open_asset(
        session,
        user,
        project_id=body.project_id,
        upload_length=body.size_bytes,
        surface=V1.name,
        language=body.language,
        filename=sanitize_filename(body.filename),
    )
    await assets.require_positive_balance(session, user.id, settings)
    upload = await _add_upload(session, user, V1.name, body.size_bytes, settings, asset_id=asset.id)
    return asset, upload


def _check_length(length: int | None) -> None:
    if length is None:
        return
    assets.check_upload_length(length)
    if length < assets.MIN_UPLOAD_BYTES:
        raise ValidationFailed("Upload-Length must be at least 64 bytes.")


def legacy_asset_fields(metadata: dict[str, str | None]) -> dict[str, str | None]:
    kind = legacy_type(metadata.get("type"))
    if kind not in LEGACY_TYPES:
        raise MalformedTusRequest("Upload-Metadata must carry type 'audio' or 'video'.")
    content_type = metadata.get("content_type")
    if content_type is not None and not (1 <= len(content_type) <= 255):
        raise MalformedTusRequest("Upload-Metadata content_type must be 1-255 characters.")
    return {
        "type": kind,
        "content_type": content_type,
        "filename": sanitize_filename(metadata.get("filename")),
    }


async def open_legacy(
    session: AsyncSession, user: User, creation: Creation, settings: Settings
) -> Upload:
    """POST /api/v1/assets/upload-resumable: classic tus creation of an asset's upload."""
    fields = legacy_asset_fields(creation.metadata)
    length = creation.length
    _check_length(length)
    asset = await open_legacy_asset(
        session, user, settings, length, fields["type"], fields["content_type"], fields["filename"]
    )
    return await _add_upload(
        session,
        user,
        LEGACY.name,
        length,
        settings,
        asset_id=asset.id,
        metadata=creation.raw_metadata,
    )


async def open_legacy_asset(
    session: AsyncSession,
    user: User,
    settings: Settings,
    length: int | None,
    type: str | None,
    content_type: str | None,
    filename: str | None,
) -> Asset:
    """An /api/v1 asset in `pending_upload`, in the user's default project (balance permitting)."""
    await assets.require_positive_balance(session, user.id, settings)
    return await assets.open_asset(
        session,
        user,
        project_id=await assets.default_project_id(session, user),
        upload_length=length,
        surface=LEGACY.name,
        type=type,
        content_type=content_type,
        filename=filename,
    )


async def open_partial(
    session: AsyncSession, user: User, surface: Surface, creation: Creation, settings: Settings
) -> Upload:
    """A concatenation part: bytes only, no asset (any size up to the cap). Starting one needs a
    positive balance, like opening an asset's upload."""
    length = creation.length
    if length is not None:
        assets.check_upload_length(length)
    await assets.require_positive_balance(session, user.id, settings)
    return await _add_upload(
        session, user, surface.name, length, settings, metadata=creation.raw_metadata
    )


async def _add_upload(
    session: AsyncSession,
    user: User,
    surface: str,
    length: int | None,
    settings: Settings,
    *,
    asset_id: str | None = None,
    metadata: str | None = None,
) -> Upload:
    """An active upload at offset 0: an asset's own (its id is the asset's) or a partial."""
    return await repo.add(
        session,
        Upload(
            id=asset_id or new_id(),
            user_id=user.id,
            asset_id=asset_id,
            surface=surface,
            kind=UploadKind.SINGLE if asset_id else UploadKind.PARTIAL,
            state=UploadState.ACTIVE,
            length=length,
            offset=0,
            upload_metadata=metadata,
            expires_at=_expiry(settings),
        ),
    )


async def _complete_parts(
    session: AsyncSession, user: User, surface: str, part_ids: tuple[str, ...]
) -> list[Upload]:
    if len(set(part_ids)) != len(part_ids) or any(parse_id(p) is None for p in part_ids):
        raise MalformedTusRequest("Upload-Concat names an unknown partial upload.")
    found = {u.id: u for u in await repo.get_many(session, part_ids, for_update=True)}
    parts = [found.get(part_id) for part_id in part_ids]
    for part in parts:
        if part is None or part.user_id != user.id or part.surface != surface:
            raise UploadNotFound("A partial upload named in Upload-Concat was not found.")
        if part.kind != UploadKind.PARTIAL:
            raise MalformedTusRequest("Upload-Concat may only name partial uploads.")
        if part.state != UploadState.COMPLETE:
            raise ConcatenationConflict(
                "Every partial upload must be complete (and not yet used) before concatenation."
            )
    return [p for p in parts if p is not None]


async def open_final(
    session: AsyncSession, user: User, surface: Surface, creation: Creation, settings: Settings
) -> tuple[Upload, list[Upload]]:
    """The final upload of a concatenation. On /v1 it is the pending asset's own upload (named by
    the `asset_id` metadata key); on /api/v1 it creates the asset like a classic creation."""
    part_ids = creation.concat.part_ids if creation.concat is not None else ()
    parts = await _complete_parts(session, user, surface.name, part_ids)
    total = sum(p.length or 0 for p in parts)
    _check_length(total)
    if surface.final_is_pending_asset:
        target_id = creation.metadata.get("asset_id") or ""
        upload = await require_upload(session, user.id, target_id, surface.name, for_update=True)
        if upload.kind == UploadKind.PARTIAL or upload.offset != 0:
            raise ConcatenationConflict(
                "Only an untouched pending upload can become a concatenation."
            )
        if upload.length != total:
            raise ConcatenationConflict(
                f"The parts hold {total} bytes but the asset was created with {upload.length}."
            )
    else:
        upload = await open_legacy(session, user, replace(creation, length=total), settings)
    upload.kind = UploadKind.FINAL
    upload.parts = [p.id for p in parts]
    if creation.raw_metadata is not None:
        upload.upload_metadata = creation.raw_metadata
    await session.flush()
    return upload, parts


# ---------------------------------------------------------------------------------------------
# Look-ups


async def require_upload(
    session: AsyncSession,
    user_id: str,
    upload_id: str,
    surface: str,
    *,
    for_update: bool = False,
    allow_cancelled: bool = False,
) -> Upload:
    """The caller's upload on this surface: 404 when missing, not theirs, terminated or its asset
    is gone; 410 when expired."""
    upload = None
    if parse_id(upload_id) is not None:
        upload = await repo.get(session, upload_id, for_update=for_update)
    if upload is None or upload.user_id != user_id or upload.surface != surface:
        raise UploadNotFound()
    if upload.state == UploadState.CANCELLED and not allow_cancelled:
        raise UploadNotFound()
    if is_expired(upload):
        raise UploadExpired()
    if (
        upload.kind != UploadKind.PARTIAL
        and upload.asset_id is None
        and upload.state != UploadState.CANCELLED
    ):
        raise UploadNotFound()
    return upload


async def load(session: AsyncSession, upload_id: str) -> Upload | None:
    return await repo.get(session, upload_id)


async def asset_of(session: AsyncSession, upload: Upload) -> Asset | None:
    if upload.asset_id is None:
        return None
    return await assets.load(session, upload.asset_id)


def needs_sniff(upload: Upload, asset: Asset | None) -> bool:
    """Detect the format from the first bytes of an asset's upload (both surfaces)."""
    return upload.offset == 0 and asset is not None and upload.kind == UploadKind.SINGLE


def check_new_length(upload: Upload, declared: int | None) -> int | None:
    """creation-defer-length: a PATCH may fix the length once; afterwards it must agree."""
    if declared is None:
        return None
    if upload.length is not None:
        if declared != upload.length:
            raise MalformedTusRequest("Upload-Length cannot change once it is known.")
        return None
    assets.check_upload_length(declared)
    if declared < upload.offset:
        raise MalformedTusRequest("Upload-Length is below the bytes already received.")
    return declared


# ---------------------------------------------------------------------------------------------
# Progress and completion


def _record_staged(upload: Upload, staged: Staged) -> None:
    upload.offset = staged.offset
    if staged.etags is not None:
        upload.staging_key = staged.key
        upload.multipart_id = staged.multipart_id
        upload.part_etags = staged.etags


async def commit_patch(
    session: AsyncSession,
    upload_id: str,
    *,
    start: int,
    staged: Staged,
    sniffed: SniffResult | None,
    new_length: int | None,
    settings: Settings,
) -> Committed:
    """One commit per PATCH: the new offset (bytes already durable), byte-derived asset fields,
    and, when the last byte is in, completion with exactly one `assets.prepare`."""
    upload = await repo.get(session, upload_id, for_update=True)
    if upload is None or upload.state != UploadState.ACTIVE or upload.offset != start:
        raise OffsetMismatch("The upload changed while this request was writing.")
    if new_length is not None:
        upload.length = new_length
    _record_staged(upload, staged)
    upload.expires_at = _expiry(settings)
    asset = await asset_of(session, upload)
    if asset is not None and sniffed is not None:
        assets.record_sniff(asset, sniffed)
    return await _maybe_complete(session, upload, asset, staged)


async def _maybe_complete(
    session: AsyncSession, upload: Upload, asset: Asset | None, staged: Staged
) -> Committed:
    completed = upload.length is not None and upload.offset == upload.length
    source_key = None
    if completed:
        upload.state = UploadState.COMPLETE
        upload.completed_at = utcnow()
        if asset is not None:
            assembled_at = staged.key if staged.assembled else None
            await assets.mark_uploaded(session, asset, upload.offset, storage_key=assembled_at)
            source_key = asset.storage_key
    await session.flush()
    return Committed.of(upload, source_key=source_key)


async def commit_final(
    session: AsyncSession,
    upload_id: str,
    *,
    staged: Staged,
    sniffed: SniffResult | None,
    settings: Settings,
) -> Committed:
    """The concatenated bytes are durable: the final upload is complete, the parts are spent."""
    upload = await repo.get(session, upload_id, for_update=True)
    if upload is None or upload.state != UploadState.ACTIVE or upload.length is None:
        raise OffsetMismatch("The upload changed while it was being concatenated.")
    _record_staged(upload, staged)
    await repo.set_state(session, upload.parts or [], UploadState.CONSUMED)
    asset = await asset_of(session, upload)
    if asset is not None and sniffed is not None:
        assets.record_sniff(asset, sniffed)
    return await _maybe_complete(session, upload, asset, staged)


# ---------------------------------------------------------------------------------------------
# Termination and expiry


async def terminate(
    session: AsyncSession, upload_id: str, *, soft_delete_asset: bool
) -> StagedRef | None:
    """Cancel: the upload becomes a tombstone; its asset is removed (/v1) or soft-deleted
    (/api/v1). Idempotent. Returns where its staged bytes are, for the caller to drop."""
    upload = await repo.get(session, upload_id, for_update=True)
    if upload is None or upload.state == UploadState.CANCELLED:
        return None
    upload.state = UploadState.CANCELLED
    asset = await asset_of(session, upload)
    if asset is not None:
        if soft_delete_asset:
            await assets.soft_delete(session, asset.user_id, asset.id)
        else:
            await assets.remove(session, asset)
    await session.flush()
    return StagedRef.of(upload)


async def sweep(session: AsyncSession, settings: Settings) -> list[StagedRef]:
    """Expired unfinished uploads (and their never-finished assets), uploads whose asset was
    deleted, and presigned assets never confirmed within the upload expiry (their PUT bytes go
    too). Returns where the staged bytes that can go are."""
    swept: list[StagedRef] = []
    for upload in await repo.expired_active(session, utcnow()):
        if upload.state == UploadState.COMPLETE:  # a spare concatenation part nobody used
            upload.state = UploadState.CONSUMED
            swept.append(StagedRef.of(upload))
            continue
        upload.state = UploadState.EXPIRED
        asset = await asset_of(session, upload)
        if asset is not None and asset.state == AssetState.PENDING_UPLOAD:
            await assets.remove(session, asset)
        swept.append(StagedRef.of(upload))
    for upload in await repo.orphaned_active(session):
        upload.state = UploadState.CANCELLED
        swept.append(StagedRef.of(upload))
    abandoned_before = utcnow() - timedelta(hours=settings.upload_expiry_hours)
    for asset in await repo.abandoned_presigned(session, abandoned_before):
        await assets.remove(session, asset)
    await session.flush()
    return swept


async def live_upload_ids(session: AsyncSession, ids: list[str]) -> set[str]:
    return await repo.live_ids(session, ids)
