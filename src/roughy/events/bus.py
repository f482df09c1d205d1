"""Live notification of new events: who is waiting on which stream, and waking them up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from roughy.kit.db import libpq_url

log = logging.getLogger(__name__)

CHANNEL = "roughy_events"
"""The one NOTIFY channel; the payload is the stream name."""


class Subscription:
    """A reader's doorbell for one stream. `wait` returns True when rung, False on timeout.

    Ring-before-wait is not lost: the bell stays rung until the next `wait` returns.
    """

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self._rung = asyncio.Event()

    def ring(self) -> None:
        self._rung.set()

    async def wait(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._rung.wait(), timeout)
        except TimeoutError:
            return False
        finally:
            self._rung.clear()
        return True


class EventBus(Protocol):
    def subscribe(self, stream: str) -> AbstractAsyncContextManager[Subscription]: ...

    async def aclose(self) -> None: ...


class _Fanout:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = {}

    @asynccontextmanager
    async def _subscription(self, stream: str) -> AsyncIterator[Subscription]:
        subscription = Subscription(stream)
        self._subscribers.setdefault(stream, set()).add(subscription)
        try:
            yield subscription
        finally:
            waiting = self._subscribers.get(stream)
            if waiting is not None:
                waiting.discard(subscription)
                if not waiting:
                    del self._subscribers[stream]

    def _ring(self, stream: str) -> None:
        for subscription in list(self._subscribers.get(stream, ())):
            subscription.ring()

    def _ring_all(self) -> None:
        for stream in list(self._subscribers):
            self._ring(stream)

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())


class InMemoryEventBus(_Fanout):
    """The bus within one process: `publish` rings the stream's subscribers directly."""

    def subscribe(self, stream: str) -> AbstractAsyncContextManager[Subscription]:
        return self._subscription(stream)

    def publish(self, stream: str) -> None:
        self._ring(stream)

    async def aclose(self) -> None:
        self._ring_all()


class PostgresEventBus(_Fanout):
    """LISTEN on one dedicated psycopg connection (opened on first subscribe, reopened after a
    failure) and ring the subscribers of each notified stream. After every (re)connect all
    subscribers are rung, since notifications sent while disconnected are lost."""

    def __init__(self, url: str, *, reconnect_delay: float = 1.0) -> None:
        super().__init__()
        self._url = libpq_url(url)
        self._reconnect_delay = reconnect_delay
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    def subscribe(self, stream: str) -> AbstractAsyncContextManager[Subscription]:
        self._ensure_listening()
        return self._subscription(stream)

    def _ensure_listening(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._listen(), name="roughy-event-listener"
            )

    async def wait_connected(self, timeout: float = 10.0) -> None:
        self._ensure_listening()
        await asyncio.wait_for(self.connected.wait(), timeout)

    async def _listen(self) -> None:
        import psycopg

        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    self._ring_all()
                    async for notify in conn.notifies():
                        self._ring(notify.payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("event listener lost its connection; reconnecting", exc_info=True)
            self.connected.clear()
            await asyncio.sleep(self._reconnect_delay)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.connected.clear()
        self._ring_all()
