"""Where the bytes of an unfinished tus upload wait, per storage backend.

Local: one `<data_dir>/uploads/{id}.part` file per upload, moved into storage when complete.
S3: one multipart upload per tus upload (tusd's s3store layout). Every part but the last is
`PART_SIZE` bytes, so part n always holds bytes [(n-1)·PART_SIZE, n·PART_SIZE) and a part written
by a request that never committed is simply written again by the next one. The bytes after the
last full part wait in a tail object between requests. PostgreSQL holds the committed offset and
the ETags of the committed parts: offset = parts · PART_SIZE + tail, never more than S3 holds, so
any API replica can serve the next request. The last request completes the multipart upload
inside the store; no byte is copied through Roughy.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import anyio

from roughy.assets.service import staging_dir, staging_path
from roughy.config import Settings
from roughy.storage import Storage, keys
from roughy.storage.s3 import PART_SIZE, S3Storage
from roughy.uploads.models import Upload


@dataclass(frozen=True)
class Staged:
    """What a request made durable, for the commit that follows it."""

    offset: int
    etags: list[str] | None = None
    multipart_id: str | None = None
    key: str | None = None
    assembled: bool = False
    """The whole upload is one object at `key` already (S3; local files move after the commit)."""


@dataclass(frozen=True)
class StagedRef:
    """Enough of an upload row to find its staged bytes after the row has gone or changed."""

    upload_id: str
    key: str | None
    multipart_id: str | None

    @classmethod
    def of(cls, upload: Upload) -> StagedRef:
        return cls(upload.id, upload.staging_key, upload.multipart_id)


class Sink(Protocol):
    """One request's bytes, appended at the committed offset `start`."""

    start: int
    written: int

    async def write(self, data: bytes) -> None: ...

    async def finish(self, *, last: bool) -> Staged:
        """Make everything written durable; `last` assembles the finished upload."""
        ...

    async def salvage(self) -> Staged:
        """After a storage failure: what is durable (never less than the committed offset)."""
        ...

    async def discard(self) -> None:
        """Keep nothing of this request."""
        ...


class Staging(Protocol):
    def sink(self, upload: Upload, target_key: Callable[[], str]) -> Sink: ...

    async def committed(self, upload_id: str, staged: Staged) -> None:
        """After a commit: drop what the committed offset no longer needs."""
        ...

    async def settle(self, upload_id: str, key: str | None) -> None:
        """After the commit that completed an upload: put its bytes at `key` (asset uploads) and
        drop what staging kept."""
        ...

    async def head(self, part: StagedRef, size: int) -> bytes:
        """The first bytes of a complete partial upload."""
        ...

    async def concatenate(self, final: Upload, parts: list[Upload], target_key: str) -> Staged: ...

    async def discard(self, ref: StagedRef) -> None:
        """Termination and expiry: the staged bytes (and any open multipart upload) go."""
        ...


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class LocalSink:
    def __init__(self, path: Path, start: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.start = start
        self.written = 0
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        # bytes written but never committed (a crash, a killed process) are never kept
        os.ftruncate(self.fd, start)
        os.lseek(self.fd, start, os.SEEK_SET)

    async def write(self, data: bytes) -> None:
        _write_all(self.fd, data)  # page cache: cheap; the fdatasync at the end is the wait
        self.written += len(data)

    async def finish(self, *, last: bool) -> Staged:
        try:
            if self.written:
                await anyio.to_thread.run_sync(os.fdatasync, self.fd)
        finally:
            os.close(self.fd)
        return Staged(offset=self.start + self.written)

    async def salvage(self) -> Staged:
        return await self.finish(last=False)

    async def discard(self) -> None:
        os.ftruncate(self.fd, self.start)
        os.close(self.fd)


class LocalStaging:
    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.settings = settings
        self.directory = staging_dir(settings)
        self.storage = storage

    def path(self, upload_id: str) -> Path:
        return staging_path(self.settings, upload_id)

    def sink(self, upload: Upload, target_key: Callable[[], str]) -> Sink:
        return LocalSink(self.path(upload.id), upload.offset)

    async def committed(self, upload_id: str, staged: Staged) -> None:
        return None

    async def settle(self, upload_id: str, key: str | None) -> None:
        if key is None:
            return  # a concatenation part: its file waits for the final upload
        staged = self.path(upload_id)

        def move() -> None:
            if staged.exists():
                self.storage.put_file(key, staged, move=True)

        # the prepare job moves the file itself if this process dies first; whoever is first wins
        with contextlib.suppress(FileNotFoundError):
            await anyio.to_thread.run_sync(move)

    async def head(self, part: StagedRef, size: int) -> bytes:
        with self.path(part.upload_id).open("rb") as handle:
            return handle.read(size)

    async def concatenate(self, final: Upload, parts: list[Upload], target_key: str) -> Staged:
        sources = [self.path(part.id) for part in parts]
        target = self.path(final.id)

        def copy() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                for source in sources:
                    with source.open("rb") as handle:
                        shutil.copyfileobj(handle, out, 8 << 20)
                out.flush()
                os.fdatasync(out.fileno())

        await anyio.to_thread.run_sync(copy)
        for source in sources:
            source.unlink(missing_ok=True)
        return Staged(offset=final.length or 0)

    async def discard(self, ref: StagedRef) -> None:
        self.path(ref.upload_id).unlink(missing_ok=True)


@dataclass
class S3Sink:
    storage: S3Storage
    upload_id: str
    start: int
    target_key: Callable[[], str]
    key: str | None
    multipart_id: str | None
    etags: list[str]
    written: int = 0
    buffer: bytearray = field(default_factory=bytearray)
    in_flight: asyncio.Task[None] | None = None
    tail_loaded: bool = False
    broken: bool = False

    async def _load_tail(self) -> None:
        """The unfinished tail of earlier requests goes in front of this request's bytes."""
        self.tail_loaded = True
        tail = self.start - len(self.etags) * PART_SIZE
        if tail:
            key = keys.upload_tail(self.upload_id, len(self.etags) + 1)
            self.buffer += await anyio.to_thread.run_sync(
                lambda: b"".join(self.storage.iter_range(key, 0, tail - 1))
            )

    async def _ensure_multipart(self) -> tuple[str, str]:
        if self.key is None:
            self.key = self.target_key()
        if self.multipart_id is None:
            key = self.key
            self.multipart_id = await anyio.to_thread.run_sync(self.storage.create_multipart, key)
        return self.key, self.multipart_id

    async def _upload(self, part: bytes) -> None:
        key, multipart_id = await self._ensure_multipart()
        number = len(self.etags) + 1
        etag = await anyio.to_thread.run_sync(
            self.storage.upload_part, key, multipart_id, number, part
        )
        self.etags.append(etag)

    async def _drain(self) -> None:
        if self.in_flight is not None:
            task, self.in_flight = self.in_flight, None
            try:
                await task
            except BaseException:
                self.broken = True  # the buffer no longer lines up with the parts
                raise

    async def write(self, data: bytes) -> None:
        if not self.tail_loaded:
            await self._load_tail()
        self.buffer += data
        self.written += len(data)
        while len(self.buffer) >= PART_SIZE:
            part = bytes(self.buffer[:PART_SIZE])
            del self.buffer[:PART_SIZE]
            await self._drain()  # one part in flight while the next one arrives
            self.in_flight = asyncio.create_task(self._upload(part))

    def _staged(self, offset: int, *, assembled: bool = False) -> Staged:
        return Staged(offset, list(self.etags), self.multipart_id, self.key, assembled)

    async def finish(self, *, last: bool) -> Staged:
        if not self.tail_loaded:
            await self._load_tail()
        if not self.broken:
            await self._drain()  # a failed part raises StorageUnavailable: the caller salvages
        if self.broken:
            return await self.salvage()
        durable = len(self.etags) * PART_SIZE + len(self.buffer)
        if last:
            await self._assemble()
            return self._staged(durable, assembled=True)
        if len(self.buffer) and durable > self.start:
            tail = keys.upload_tail(self.upload_id, len(self.etags) + 1)
            data = bytes(self.buffer)
            await anyio.to_thread.run_sync(self.storage.put_bytes, tail, data)
        return self._staged(max(durable, self.start))

    async def _assemble(self) -> None:
        """The buffer becomes the last part (of any size), then the store joins the parts. Until
        that succeeds the short part is not counted: a salvage counts full parts only."""
        key, multipart_id = await self._ensure_multipart()
        etags = list(self.etags)
        if self.buffer or not etags:
            data = bytes(self.buffer)
            number = len(etags) + 1
            etags.append(
                await anyio.to_thread.run_sync(
                    self.storage.upload_part, key, multipart_id, number, data
                )
            )
        await anyio.to_thread.run_sync(self.storage.complete_multipart, key, multipart_id, etags)
        self.etags = etags

    async def salvage(self) -> Staged:
        with contextlib.suppress(Exception):
            await self._drain()
        return self._staged(max(self.start, len(self.etags) * PART_SIZE))

    async def discard(self) -> None:
        if self.in_flight is not None:
            self.in_flight.cancel()
            with contextlib.suppress(BaseException):
                await self.in_flight


class S3Staging:
    def __init__(self, storage: S3Storage) -> None:
        self.storage = storage

    def sink(self, upload: Upload, target_key: Callable[[], str]) -> Sink:
        return S3Sink(
            storage=self.storage,
            upload_id=upload.id,
            start=upload.offset,
            target_key=target_key,
            key=upload.staging_key,
            multipart_id=upload.multipart_id,
            etags=list(upload.part_etags or []),
        )

    async def committed(self, upload_id: str, staged: Staged) -> None:
        """A tail that a later part now covers is garbage once the new offset is committed."""
        current = keys.upload_tail(upload_id, len(staged.etags or []) + 1)

        def drop_stale() -> None:
            for key in self.storage.list_keys(keys.upload_tails(upload_id)):
                if key < current:
                    self.storage.delete(key)

        await anyio.to_thread.run_sync(drop_stale)

    async def settle(self, upload_id: str, key: str | None) -> None:
        await anyio.to_thread.run_sync(self.storage.delete_prefix, keys.upload_tails(upload_id))

    async def head(self, part: StagedRef, size: int) -> bytes:
        assert part.key is not None
        key = part.key
        return await anyio.to_thread.run_sync(
            lambda: b"".join(self.storage.iter_range(key, 0, size - 1))
        )

    async def concatenate(self, final: Upload, parts: list[Upload], target_key: str) -> Staged:
        """Stream the parts into a new multipart upload (bounded memory: one part at a time)."""
        sink = S3Sink(self.storage, final.id, 0, lambda: target_key, None, None, [])
        sink.tail_loaded = True
        for part in parts:
            if part.length:
                assert part.staging_key is not None
                await self._stream(part.staging_key, part.length, sink)
        staged = await sink.finish(last=True)
        for part in parts:
            await self.discard(StagedRef.of(part))
        return staged

    async def _stream(self, key: str, size: int, sink: S3Sink) -> None:
        chunks = self.storage.iter_range(key, 0, size - 1)
        while (chunk := await anyio.to_thread.run_sync(next, chunks, None)) is not None:
            await sink.write(chunk)

    async def discard(self, ref: StagedRef) -> None:
        def drop() -> None:
            if ref.key is not None and ref.multipart_id is not None:
                self.storage.abort_multipart(ref.key, ref.multipart_id)
            self.storage.delete_prefix(keys.upload_prefix(ref.upload_id))

        await anyio.to_thread.run_sync(drop)


def staging_for(settings: Settings, storage: Storage) -> Staging:
    if isinstance(storage, S3Storage):
        return S3Staging(storage)
    return LocalStaging(settings, storage)
