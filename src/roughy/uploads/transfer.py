"""Moving bytes: a tus PATCH (and creation-with-upload), concatenation, and the presigned PUT.

The order inside one PATCH is what makes the upload trustworthy:
1. everything that can reject the request (auth, headers, ownership, offset) ran already, before
   a single body byte was read;
2. the writer lock is taken (or the stale writer is asked to stop; else 423 + Retry-After);
3. the committed offset is re-read under the lock and the `.part` file truncated to it, so bytes
   written but never committed (a crash, a killed process) can never be advertised or kept;
4. the body is appended straight to the file as it arrives (memory stays flat; no database work
   per chunk), with an idle timeout and the stop signal armed;
5. fdatasync, then one transaction commits the new offset (and, when complete, defers exactly one
   `assets.prepare`), then the lock is released and the offset reported.
A client that disconnects mid-body keeps what arrived: it is synced and committed like a success.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import anyio
from starlette.types import Message

from roughy.assets import service as assets
from roughy.auth.models import User
from roughy.engine.probe import SniffResult, sniff
from roughy.errors import BadRequest, RoughyError
from roughy.jobs import Runtime
from roughy.uploads import service
from roughy.uploads.errors import (
    ChecksumMismatch,
    ChunkTooLarge,
    FinalUploadPatch,
    NotMedia,
    OffsetMismatch,
    RequestTimedOut,
    UploadBusy,
    UploadComplete,
    UploadNotFound,
    WriterReplaced,
)
from roughy.uploads.lock import WriterLock
from roughy.uploads.models import Upload
from roughy.uploads.service import Committed
from roughy.uploads.tus import Checksum

log = logging.getLogger(__name__)

Receive = Callable[[], Awaitable[Message]]
SNIFF_BYTES = 4096
_RESCHEDULE_EVERY = 0.25
Ending = Literal["complete", "disconnect", "stopped", "idle"]


class StopSignal:
    """Set by the lock listener when a newer request wants this upload: ends the body loop."""

    def __init__(self) -> None:
        self.requested = False
        self._deadline: asyncio.Timeout | None = None

    def arm(self, deadline: asyncio.Timeout) -> None:
        self._deadline = deadline
        if self.requested:
            deadline.reschedule(asyncio.get_running_loop().time())

    def disarm(self) -> None:
        self._deadline = None

    def trigger(self) -> None:
        self.requested = True
        if self._deadline is not None:
            self._deadline.reschedule(asyncio.get_running_loop().time())


@dataclass
class Received:
    written: int
    ending: Ending
    sniffed: SniffResult | None
    error: RoughyError | None


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


async def receive_into(
    path: Path,
    start: int,
    receive: Receive,
    *,
    limit: int,
    sniff: bool,
    checksum: Checksum | None,
    idle_timeout: float,
    stop: StopSignal,
) -> Received:
    """Append the request body to `path` at `start` (after truncating it there). On any error the
    file is truncated back to `start`; otherwise what was written is fdatasync'ed."""
    loop = asyncio.get_running_loop()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.ftruncate(fd, start)
        os.lseek(fd, start, os.SEEK_SET)
        hasher = checksum.hasher() if checksum is not None else None
        head: bytearray | None = bytearray() if sniff else None
        head_target = max(1, min(SNIFF_BYTES, limit))
        written = 0
        ending: Ending = "complete"
        sniffed: SniffResult | None = None
        error: RoughyError | None = None
        try:
            async with asyncio.timeout(idle_timeout) as deadline:
                armed_at = loop.time()
                stop.arm(deadline)
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        ending = "disconnect"
                        break
                    chunk: bytes = message.get("body", b"")
                    if chunk:
                        pending = len(head) if head is not None else 0
                        if written + pending + len(chunk) > limit:
                            error = ChunkTooLarge()
                            break
                        if hasher is not None:
                            hasher.update(chunk)
                        if head is None:
                            _write_all(fd, chunk)
                            written += len(chunk)
                        else:
                            head += chunk
                            if len(head) >= head_target:
                                sniffed, error = _judge_head(bytes(head))
                                if error is not None:
                                    break
                                _write_all(fd, head)
                                written += len(head)
                                head = None
                    if not message.get("more_body", False):
                        break
                    now = loop.time()
                    if now - armed_at > _RESCHEDULE_EVERY:  # not per 64 KiB chunk: cheap enough
                        deadline.reschedule(now + idle_timeout)
                        armed_at = now
        except TimeoutError:
            ending = "stopped" if stop.requested else "idle"
        finally:
            stop.disarm()
        if error is None and head:
            if ending == "complete":
                if len(head) < assets.MIN_UPLOAD_BYTES:
                    error = BadRequest("The first PATCH must carry at least 64 bytes.")
                else:
                    sniffed, error = _judge_head(bytes(head))
                    if error is None:
                        _write_all(fd, head)
                        written += len(head)
            # otherwise too little arrived to judge the format: keep nothing
        if error is None and hasher is not None and checksum is not None:
            if ending != "complete":
                written = 0  # an unfinished chunk cannot be verified: discard it
                os.ftruncate(fd, start)
            elif hasher.digest() != checksum.digest:
                error = ChecksumMismatch()
        if error is not None:
            os.ftruncate(fd, start)
            written = 0
        elif written:
            await anyio.to_thread.run_sync(os.fdatasync, fd)
        return Received(written=written, ending=ending, sniffed=sniffed, error=error)
    finally:
        os.close(fd)


def _judge_head(head: bytes) -> tuple[SniffResult | None, RoughyError | None]:
    """Every surface refuses non-media on its first bytes, so nothing else is ever stored."""
    found = sniff(head[:SNIFF_BYTES])
    if found is None:
        return None, NotMedia()
    return found, None


@dataclass(frozen=True)
class PatchRequest:
    upload_id: str
    surface: str
    offset: int
    declared_length: int | None
    content_length: int | None
    checksum: Checksum | None
    max_request_bytes: int | None


def _offset_headers(offset: int) -> dict[str, str]:
    return {"Upload-Offset": str(offset)}


async def _move_into_storage(runtime: Runtime, key: str, staged: Path) -> None:
    def move() -> None:
        if staged.exists():
            runtime.storage.put_file(key, staged, move=True)

    try:
        await anyio.to_thread.run_sync(move)
    except FileNotFoundError:
        pass  # the prepare job got there first (it moves staged bytes itself when needed)


async def patch(runtime: Runtime, user: User, request: PatchRequest, receive: Receive) -> Committed:
    settings = runtime.settings
    async with runtime.db.transaction() as session:
        upload = await service.require_upload(session, user.id, request.upload_id, request.surface)
        if upload.kind == "final":
            raise FinalUploadPatch()
        new_length = service.check_new_length(upload, request.declared_length)
        if request.offset != upload.offset:
            raise OffsetMismatch(headers=_offset_headers(upload.offset))
        if upload.state == "complete":
            if request.content_length in (None, 0):
                return Committed(upload.offset, upload.length, upload.expires_at, True, None)
            raise UploadComplete(headers=_offset_headers(upload.offset))
        length = new_length if new_length is not None else upload.length
        limit = (length if length is not None else assets.MAX_UPLOAD_BYTES) - upload.offset
        if request.max_request_bytes is not None:
            limit = min(limit, request.max_request_bytes)
        if request.content_length is not None and request.content_length > limit:
            raise ChunkTooLarge()
        asset = await service.asset_of(session, upload)
        sniff_first = service.needs_sniff(upload, asset)

    lock = WriterLock(runtime.db.url, request.upload_id)
    if not await lock.acquire(settings.upload_lock_wait_seconds):
        raise UploadBusy(retry_after=max(1, round(settings.upload_lock_wait_seconds)))
    staged = assets.staging_path(settings, request.upload_id)
    try:
        async with runtime.db.transaction() as session:
            upload = await service.require_upload(
                session, user.id, request.upload_id, request.surface
            )
            if upload.offset != request.offset:
                raise OffsetMismatch(headers=_offset_headers(upload.offset))
            if upload.state != "active":
                raise UploadComplete(headers=_offset_headers(upload.offset))
        stop = StopSignal()
        await lock.listen(stop.trigger)
        received = await receive_into(
            staged,
            request.offset,
            receive,
            limit=limit,
            sniff=sniff_first,
            checksum=request.checksum,
            idle_timeout=settings.upload_idle_timeout_seconds,
            stop=stop,
        )
        if isinstance(received.error, NotMedia):
            async with runtime.db.transaction() as session:
                await service.terminate(session, request.upload_id, soft_delete_asset=False)
            with contextlib.suppress(FileNotFoundError):
                staged.unlink()
            raise received.error
        if received.error is not None:
            received.error.headers.setdefault("Upload-Offset", str(request.offset))
            raise received.error
        if received.written == 0 and new_length is None:
            committed = Committed(upload.offset, upload.length, upload.expires_at, False, None)
        else:
            async with runtime.db.transaction() as session:
                committed = await service.commit_patch(
                    session,
                    request.upload_id,
                    start=request.offset,
                    end=request.offset + received.written,
                    sniffed=received.sniffed,
                    new_length=new_length,
                    settings=settings,
                )
    finally:
        await lock.release()
    if committed.completed and committed.source_key is not None:
        await _move_into_storage(runtime, committed.source_key, staged)
    if received.ending == "stopped":
        raise WriterReplaced(headers=_offset_headers(committed.offset))
    if received.ending == "idle":
        raise RequestTimedOut(headers=_offset_headers(committed.offset))
    return committed


# ---------------------------------------------------------------------------------------------
# Concatenation


def _concatenate(sources: list[Path], target: Path) -> bytes:
    """Copy the parts into `target` (kernel-side where possible), fsync; return its head."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        for source in sources:
            with source.open("rb") as handle:
                shutil.copyfileobj(handle, out, 8 << 20)
        out.flush()
        os.fdatasync(out.fileno())
    with target.open("rb") as handle:
        return handle.read(SNIFF_BYTES)


async def concatenate(
    runtime: Runtime, user: User, final: Upload, parts: list[Upload]
) -> Committed:
    """Build a final upload from its (complete) parts, then complete it like a last PATCH."""
    settings = runtime.settings
    lock = WriterLock(runtime.db.url, final.id)
    if not await lock.acquire(settings.upload_lock_wait_seconds):
        raise UploadBusy(retry_after=max(1, round(settings.upload_lock_wait_seconds)))
    staged = assets.staging_path(settings, final.id)
    sources = [assets.staging_path(settings, part.id) for part in parts]
    try:
        head = await anyio.to_thread.run_sync(_concatenate, sources, staged)
        found = sniff(head)
        if found is None:
            async with runtime.db.transaction() as session:
                await service.terminate(session, final.id, soft_delete_asset=False)
            staged.unlink(missing_ok=True)
            raise NotMedia()
        async with runtime.db.transaction() as session:
            committed = await service.commit_final(
                session, final.id, sniffed=found, settings=settings
            )
    finally:
        await lock.release()
    for source in sources:
        source.unlink(missing_ok=True)
    if committed.source_key is not None:
        await _move_into_storage(runtime, committed.source_key, staged)
    return committed


# ---------------------------------------------------------------------------------------------
# Presigned PUT (/api/v1 upload-url flow)


def put_staging_path(runtime: Runtime, asset_id: str) -> Path:
    return assets.staging_dir(runtime.settings) / f"{asset_id}.put"


async def presigned_put(
    runtime: Runtime, asset_id: str, receive: Receive, content_length: int | None
) -> None:
    """Store the PUT body as the asset's source (it stays pending_upload until confirm)."""
    settings = runtime.settings
    if content_length is not None:
        assets.check_upload_length(content_length)
    async with runtime.db.transaction() as session:
        asset = await assets.load(session, asset_id)
        if asset is None or asset.deleted_at is not None:
            raise UploadNotFound("This upload URL no longer points at an asset.")
        if asset.state != "pending_upload":
            raise UploadComplete("The asset was already confirmed.")
    lock = WriterLock(runtime.db.url, asset_id)
    if not await lock.acquire(settings.upload_lock_wait_seconds):
        raise UploadBusy(retry_after=max(1, round(settings.upload_lock_wait_seconds)))
    staged = put_staging_path(runtime, asset_id)
    try:
        received = await receive_into(
            staged,
            0,
            receive,
            limit=assets.MAX_UPLOAD_BYTES,
            sniff=True,
            checksum=None,
            idle_timeout=settings.upload_idle_timeout_seconds,
            stop=StopSignal(),
        )
        if received.error is not None:
            raise received.error
        if received.ending != "complete" or received.written < assets.MIN_UPLOAD_BYTES:
            staged.unlink(missing_ok=True)
            raise BadRequest("The upload was incomplete or below 64 bytes; PUT the file again.")
        async with runtime.db.transaction() as session:
            asset = await assets.load(session, asset_id, for_update=True)
            if asset is None or asset.state != "pending_upload":
                raise UploadComplete("The asset changed during the upload.")
            if received.sniffed is not None:
                assets.record_sniff(asset, received.sniffed)
            asset.upload_length = received.written
            key = assets.source_key(asset)
            await anyio.to_thread.run_sync(lambda: runtime.storage.put_file(key, staged, move=True))
    finally:
        staged.unlink(missing_ok=True)
        await lock.release()
