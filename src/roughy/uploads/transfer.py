"""The tus core and the presigned PUT: every upload request's work, in the transactions it owns.

A tus request cannot run in the request-scoped session (`SessionDep`) the other domains use: no
transaction may stay open while a multi-gigabyte body streams, and an upload row must be
committed before bytes are written to it. So each function here is the unit of work of one
request (routes only parse headers and format answers): short transactions around the
`uploads.service` calls, which never commit, with the body streamed between them.

The order inside one PATCH is what makes the upload trustworthy:
1. everything that can reject the request (auth, headers, ownership, offset) ran already, before
   a single body byte was read;
2. the writer lock is taken (or the stale writer is asked to stop; else 423 + Retry-After);
3. the committed offset is re-read under the lock and staging resumes there, so bytes written but
   never committed (a crash, a killed process) can never be advertised or kept;
4. the body streams into staging as it arrives (memory stays flat; no database work per chunk),
   with an idle timeout and the stop signal armed (`uploads.body`);
5. staging makes it durable (fdatasync, or S3 parts + tail object; the last request assembles
   the upload), then one transaction commits the new offset (and, when complete, defers exactly
   one `assets.prepare`), then the lock is released and the offset reported.
A client that disconnects mid-body keeps what arrived: it is made durable and committed like a
success. When storage fails mid-body, what is durable is committed and the client is told to
retry (503 with the offset).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.assets import service as assets
from roughy.assets.models import Asset, AssetState
from roughy.auth.models import User
from roughy.config import Settings
from roughy.engine.probe import SNIFF_BYTES, sniff
from roughy.errors import BadRequest
from roughy.jobs import Runtime
from roughy.storage import StorageUnavailable, keys
from roughy.uploads import service
from roughy.uploads.body import HeadSniffer, Receive, StopSignal, receive_into
from roughy.uploads.errors import (
    ChunkTooLarge,
    FinalUploadPatch,
    MalformedTusRequest,
    NotMedia,
    OffsetMismatch,
    RequestTimedOut,
    UploadComplete,
    UploadExpired,
    UploadNotFound,
    WriterReplaced,
)
from roughy.uploads.lock import writer_lock
from roughy.uploads.models import Upload, UploadKind, UploadState
from roughy.uploads.service import Committed
from roughy.uploads.staging import LocalSink, StagedRef, Staging, staging_for
from roughy.uploads.tus import Checksum, Creation, Surface

log = logging.getLogger(__name__)


def staging(runtime: Runtime) -> Staging:
    return staging_for(runtime.settings, runtime.storage)


@dataclass(frozen=True)
class Chunk:
    """What a PATCH (or a creation-with-upload) says about its body."""

    offset: int
    declared_length: int | None
    content_length: int | None
    checksum: Checksum | None


@dataclass(frozen=True)
class PatchRequest:
    upload_id: str
    surface: str
    offset: int
    declared_length: int | None
    content_length: int | None
    checksum: Checksum | None
    max_request_bytes: int | None

    @classmethod
    def of(cls, upload_id: str, surface: Surface, chunk: Chunk) -> PatchRequest:
        return cls(
            upload_id,
            surface.name,
            chunk.offset,
            chunk.declared_length,
            chunk.content_length,
            chunk.checksum,
            surface.max_request_bytes,
        )


def _offset_headers(offset: int) -> dict[str, str]:
    return {"Upload-Offset": str(offset)}


@dataclass(frozen=True)
class _Plan:
    upload: Upload
    limit: int
    length: int | None
    new_length: int | None
    sniff_first: bool
    target_key: Callable[[HeadSniffer], str]


async def _plan(runtime: Runtime, user: User, request: PatchRequest) -> _Plan | Committed:
    """Everything that can refuse the PATCH, before the lock and before any body byte."""
    async with runtime.db.transaction() as session:
        upload = await service.require_upload(session, user.id, request.upload_id, request.surface)
        if upload.kind == UploadKind.FINAL:
            raise FinalUploadPatch()
        new_length = service.check_new_length(upload, request.declared_length)
        if request.offset != upload.offset:
            raise OffsetMismatch(headers=_offset_headers(upload.offset))
        if upload.state == UploadState.COMPLETE:
            if request.content_length in (None, 0):
                return Committed.of(upload)
            raise UploadComplete(headers=_offset_headers(upload.offset))
        length = new_length if new_length is not None else upload.length
        limit = (length if length is not None else assets.MAX_UPLOAD_BYTES) - upload.offset
        if request.max_request_bytes is not None:
            limit = min(limit, request.max_request_bytes)
        if request.content_length is not None and request.content_length > limit:
            raise ChunkTooLarge()
        asset = await service.asset_of(session, upload)
    sniff_first = service.needs_sniff(upload, asset)

    def target_key(sniffer: HeadSniffer) -> str:
        if asset is None:
            return keys.upload_data(upload.id)
        return assets.planned_source_key(asset, sniffer.found)

    return _Plan(upload, limit, length, new_length, sniff_first, target_key)


async def patch(
    runtime: Runtime, user: User, upload_id: str, surface: Surface, chunk: Chunk, receive: Receive
) -> Committed:
    """tus PATCH: append the body at `chunk.offset` (see the module's docstring for the order)."""
    request = PatchRequest.of(upload_id, surface, chunk)
    settings = runtime.settings
    plan = await _plan(runtime, user, request)
    if isinstance(plan, Committed):
        return plan
    store = staging(runtime)
    async with writer_lock(
        runtime.db.url, request.upload_id, settings.upload_lock_wait_seconds
    ) as lock:
        async with runtime.db.transaction() as session:
            upload = await service.require_upload(
                session, user.id, request.upload_id, request.surface
            )
            if upload.offset != request.offset:
                raise OffsetMismatch(headers=_offset_headers(upload.offset))
            if upload.state != UploadState.ACTIVE:
                raise UploadComplete(headers=_offset_headers(upload.offset))
        stop = StopSignal()
        await lock.listen(stop.trigger)
        sniffer = HeadSniffer(plan.sniff_first, plan.limit)
        received = await receive_into(
            store.sink(upload, lambda: plan.target_key(sniffer)),
            receive,
            sniffer=sniffer,
            limit=plan.limit,
            length=plan.length,
            checksum=request.checksum,
            idle_timeout=settings.upload_idle_timeout_seconds,
            stop=stop,
        )
        if isinstance(received.error, NotMedia):
            async with runtime.db.transaction() as session:
                await service.terminate(session, request.upload_id, soft_delete_asset=False)
            await store.discard(StagedRef.of(upload))
            raise received.error
        if received.staged.offset == request.offset and plan.new_length is None:
            committed = Committed.of(upload)
        else:
            async with runtime.db.transaction() as session:
                committed = await service.commit_patch(
                    session,
                    request.upload_id,
                    start=request.offset,
                    staged=received.staged,
                    sniffed=received.sniffed,
                    new_length=plan.new_length,
                    settings=settings,
                )
    if committed.completed:
        await store.settle(request.upload_id, committed.source_key)
    elif committed.offset != request.offset and received.error is None:
        with contextlib.suppress(StorageUnavailable):  # tidying only; the sweep gets the rest
            await store.committed(request.upload_id, received.staged)
    if received.error is not None:
        received.error.headers.setdefault("Upload-Offset", str(committed.offset))
        raise received.error
    if received.ending == "stopped":
        raise WriterReplaced(headers=_offset_headers(committed.offset))
    if received.ending == "idle":
        raise RequestTimedOut(headers=_offset_headers(committed.offset))
    return committed


async def current(runtime: Runtime, user: User, upload_id: str, surface: Surface) -> Upload:
    """tus HEAD: the caller's upload as committed."""
    async with runtime.db.transaction() as session:
        return await service.require_upload(session, user.id, upload_id, surface.name)


async def terminate(runtime: Runtime, user: User, upload_id: str, surface: Surface) -> None:
    """tus DELETE: cancel the upload (and remove or soft-delete its asset), then drop its staged
    bytes once that is committed. /api/v1 answers an expired upload's DELETE as done."""
    async with runtime.db.transaction() as session:
        try:
            upload = await service.require_upload(
                session, user.id, upload_id, surface.name, allow_cancelled=surface.soft_deletes
            )
        except UploadExpired:
            if not surface.soft_deletes:
                raise
            return
        staged = await service.terminate(session, upload.id, soft_delete_asset=surface.soft_deletes)
    if staged is not None:
        await discard(runtime, staged)


async def discard(runtime: Runtime, ref: StagedRef) -> None:
    """The staged bytes of a terminated or expired upload (S3: its multipart upload too)."""
    await staging(runtime).discard(ref)


# ---------------------------------------------------------------------------------------------
# Creation


@dataclass(frozen=True)
class Created:
    upload: Upload
    committed: Committed | None
    """Where the creation's body (or the concatenation) left the upload."""
    asset: Asset | None
    """The upload's asset as the request leaves it (surfaces that create assets only)."""


async def create(
    runtime: Runtime,
    user: User,
    surface: Surface,
    creation: Creation,
    body: Chunk | None,
    receive: Receive,
) -> Created:
    """tus creation (+ creation-with-upload: `body`, defer-length, concatenation) on either
    surface."""
    if creation.is_final and body is not None:
        raise MalformedTusRequest("A final upload cannot carry a body.")
    parts: list[Upload] = []
    async with runtime.db.transaction() as session:
        if creation.is_final:
            upload, parts = await service.open_final(
                session, user, surface, creation, runtime.settings
            )
        else:
            upload = await _open(session, user, surface, creation, runtime.settings)
    committed = None
    if creation.is_final:
        committed = await concatenate(runtime, user, upload, parts)
    elif body is not None:
        committed = await patch(runtime, user, upload.id, surface, body, receive)
    asset = None
    if surface.creates_assets:
        async with runtime.db.transaction() as session:
            found = await service.load(session, upload.id)
            asset = await service.asset_of(session, found) if found is not None else None
    return Created(upload, committed, asset)


async def _open(
    session: AsyncSession, user: User, surface: Surface, creation: Creation, settings: Settings
) -> Upload:
    if creation.concat is not None:
        return await service.open_partial(session, user, surface, creation, settings)
    if not surface.creates_assets:
        raise MalformedTusRequest(
            "Create an asset with POST /v1/assets and upload to its upload_url; "
            "POST /v1/uploads only creates concatenation parts (Upload-Concat)."
        )
    return await service.open_legacy(session, user, creation, settings)


# ---------------------------------------------------------------------------------------------
# Concatenation


async def concatenate(
    runtime: Runtime, user: User, final: Upload, parts: list[Upload]
) -> Committed:
    """Build a final upload from its (complete) parts, then complete it like a last PATCH."""
    settings = runtime.settings
    store = staging(runtime)
    async with writer_lock(runtime.db.url, final.id, settings.upload_lock_wait_seconds):
        head = await store.head(StagedRef.of(parts[0]), SNIFF_BYTES) if parts else b""
        found = sniff(head)
        if found is None:
            async with runtime.db.transaction() as session:
                await service.terminate(session, final.id, soft_delete_asset=False)
            raise NotMedia()
        async with runtime.db.transaction() as session:
            asset = await service.asset_of(session, final)
        target = (
            keys.upload_data(final.id) if asset is None else assets.planned_source_key(asset, found)
        )
        staged = await store.concatenate(final, parts, target)
        async with runtime.db.transaction() as session:
            committed = await service.commit_final(
                session, final.id, staged=staged, sniffed=found, settings=settings
            )
    if committed.source_key is not None:
        await store.settle(final.id, committed.source_key)
    return committed


# ---------------------------------------------------------------------------------------------
# Presigned PUT (/api/v1 upload-url flow)


def put_staging_path(runtime: Runtime, asset_id: str) -> Path:
    return assets.staging_dir(runtime.settings) / f"{asset_id}.put"


async def presigned_put(
    runtime: Runtime, asset_id: str, receive: Receive, content_length: int | None
) -> None:
    """Local storage's stand-in for a PUT to the bucket: store the body where the asset's
    presigned upload lands (it stays pending_upload until confirm)."""
    settings = runtime.settings
    if content_length is not None:
        assets.check_upload_length(content_length)
    async with runtime.db.transaction() as session:
        asset = await assets.load(session, asset_id)
        if asset is None or asset.deleted_at is not None:
            raise UploadNotFound("This upload URL no longer points at an asset.")
        if asset.state != AssetState.PENDING_UPLOAD:
            raise UploadComplete("The asset was already confirmed.")
    path = put_staging_path(runtime, asset_id)
    async with writer_lock(runtime.db.url, asset_id, settings.upload_lock_wait_seconds):
        try:
            sniffer = HeadSniffer(True, assets.MAX_UPLOAD_BYTES)
            received = await receive_into(
                LocalSink(path, 0),
                receive,
                sniffer=sniffer,
                limit=assets.MAX_UPLOAD_BYTES,
                length=None,
                checksum=None,
                idle_timeout=settings.upload_idle_timeout_seconds,
                stop=StopSignal(),
            )
            if received.error is not None:
                raise received.error
            size = received.staged.offset
            if received.ending != "complete" or size < assets.MIN_UPLOAD_BYTES:
                raise BadRequest("The upload was incomplete or below 64 bytes; PUT the file again.")
            async with runtime.db.transaction() as session:
                asset = await assets.load(session, asset_id, for_update=True)
                if asset is None or asset.state != AssetState.PENDING_UPLOAD:
                    raise UploadComplete("The asset changed during the upload.")
                key = assets.presigned_upload_key(asset)
                await anyio.to_thread.run_sync(
                    lambda: runtime.storage.put_file(key, path, move=True)
                )
        finally:
            path.unlink(missing_ok=True)
