"""One writer per upload, across every API process: a Postgres session advisory lock held on a
dedicated connection for the length of one PATCH.

A request that finds the lock taken asks the holder to stop (NOTIFY on the upload's channel; the
holder LISTENs while it streams), then polls for the lock for `wait_seconds`. The holder syncs and
commits what it has and lets go; if it does not in time the newcomer answers 423 + Retry-After.
If the holder's process dies its connection closes and Postgres drops the lock at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable

import psycopg

from roughy.uploads.errors import UploadBusy

log = logging.getLogger(__name__)
LOCK_NAMESPACE = 7301
_POLL_SECONDS = 0.05
_RENOTIFY_SECONDS = 0.5


def channel_for(upload_id: str) -> str:
    return "roughy_upload_" + upload_id.replace("-", "")


class WriterLock:
    def __init__(self, database_url: str, upload_id: str) -> None:
        self.database_url = database_url
        self.upload_id = upload_id
        self.channel = channel_for(upload_id)
        self._conn: psycopg.AsyncConnection[tuple[object, ...]] | None = None
        self._listener: asyncio.Task[None] | None = None

    async def _try(self) -> bool:
        assert self._conn is not None
        cursor = await self._conn.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (LOCK_NAMESPACE, self.upload_id)
        )
        row = await cursor.fetchone()
        return bool(row and row[0])

    async def acquire(self, wait_seconds: float) -> bool:
        """True with the lock held; False (and nothing held) if the holder did not let go."""
        self._conn = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
        try:
            if await self._try():
                return True
            deadline = time.monotonic() + wait_seconds
            next_notify = 0.0
            while time.monotonic() < deadline:
                if time.monotonic() >= next_notify:
                    await self._conn.execute("SELECT pg_notify(%s, 'stop')", (self.channel,))
                    next_notify = time.monotonic() + _RENOTIFY_SECONDS
                await asyncio.sleep(_POLL_SECONDS)
                if await self._try():
                    return True
        except BaseException:
            await self._close()
            raise
        await self._close()
        return False

    async def listen(self, on_stop: Callable[[], None]) -> None:
        """Call `on_stop` when another request asks for this upload."""
        assert self._conn is not None
        await self._conn.execute(f'LISTEN "{self.channel}"')
        conn = self._conn

        async def wait() -> None:
            async for _ in conn.notifies(stop_after=1):
                on_stop()

        self._listener = asyncio.create_task(wait(), name=f"upload-stop-{self.upload_id}")

    async def release(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None
        if self._conn is not None and not self._conn.closed:
            try:
                await self._conn.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(%s))",
                    (LOCK_NAMESPACE, self.upload_id),
                )
            except psycopg.Error:
                log.warning("advisory unlock failed; closing releases it", exc_info=True)
        await self._close()

    async def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None


@contextlib.asynccontextmanager
async def writer_lock(
    database_url: str, upload_id: str, wait_seconds: float
) -> AsyncIterator[WriterLock]:
    """Hold the upload's writer lock for the block, or raise UploadBusy (423 + Retry-After)."""
    lock = WriterLock(database_url, upload_id)
    if not await lock.acquire(wait_seconds):
        raise UploadBusy(retry_after=max(1, round(wait_seconds)))
    try:
        yield lock
    finally:
        await lock.release()
