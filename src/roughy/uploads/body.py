"""Reading one request body into a staging sink, in three separate steps: read (idle timeout,
stop signal, size limit), sniff (the first bytes decide the format before any byte is kept) and
checksum (tus `Upload-Checksum` over the whole chunk). Memory stays flat: chunks go straight to
the sink as they arrive, with no database work per chunk."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from starlette.types import Message

from roughy.assets.service import MIN_UPLOAD_BYTES
from roughy.engine.probe import SNIFF_BYTES, SniffResult, sniff
from roughy.errors import BadRequest, RoughyError
from roughy.storage.base import StorageUnavailable
from roughy.uploads.errors import ChecksumMismatch, ChunkTooLarge, NotMedia
from roughy.uploads.staging import Sink, Staged
from roughy.uploads.tus import Checksum

Receive = Callable[[], Awaitable[Message]]
Ending = Literal["complete", "disconnect", "stopped", "idle"]
_RESCHEDULE_EVERY = 0.25


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


class HeadSniffer:
    """Holds back the first bytes until there are enough to tell audio/video from anything else;
    every surface refuses non-media before a single byte reaches the sink, so nothing else is
    ever stored."""

    def __init__(self, enabled: bool, limit: int) -> None:
        self.head: bytearray | None = bytearray() if enabled else None
        self.target = max(1, min(SNIFF_BYTES, limit))
        self.found: SniffResult | None = None

    def feed(self, chunk: bytes) -> bytes:
        """What may go to the sink now (nothing while the head is still being collected)."""
        if self.head is None:
            return chunk
        self.head += chunk
        if len(self.head) < self.target:
            return b""
        return self._release()

    def _release(self) -> bytes:
        assert self.head is not None
        head, self.head = bytes(self.head), None
        self.found = sniff(head[:SNIFF_BYTES])
        if self.found is None:
            raise NotMedia()
        return head

    def flush(self, ending: Ending) -> bytes:
        """At the end of the body: judge a short head, or keep nothing if the body was cut."""
        if not self.head:
            return b""
        if ending != "complete":
            return b""  # too little arrived to judge the format
        if len(self.head) < MIN_UPLOAD_BYTES:
            raise BadRequest("The first PATCH must carry at least 64 bytes.")
        return self._release()


@dataclass
class Received:
    staged: Staged
    ending: Ending
    sniffed: SniffResult | None
    error: RoughyError | None


async def _read(
    receive: Receive,
    sink: Sink,
    sniffer: HeadSniffer,
    hasher: hashlib._Hash | None,
    *,
    limit: int,
    idle_timeout: float,
    stop: StopSignal,
) -> Ending:
    loop = asyncio.get_running_loop()
    received = 0
    try:
        async with asyncio.timeout(idle_timeout) as deadline:
            armed_at = loop.time()
            stop.arm(deadline)
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return "disconnect"
                chunk: bytes = message.get("body", b"")
                if chunk:
                    received += len(chunk)
                    if received > limit:
                        raise ChunkTooLarge()
                    if hasher is not None:
                        hasher.update(chunk)
                    ready = sniffer.feed(chunk)
                    if ready:
                        await sink.write(ready)
                if not message.get("more_body", False):
                    return "complete"
                now = loop.time()
                if now - armed_at > _RESCHEDULE_EVERY:  # not per 64 KiB chunk: cheap enough
                    deadline.reschedule(now + idle_timeout)
                    armed_at = now
    except TimeoutError:
        return "stopped" if stop.requested else "idle"
    finally:
        stop.disarm()


async def receive_into(
    sink: Sink,
    receive: Receive,
    *,
    sniffer: HeadSniffer,
    limit: int,
    length: int | None,
    checksum: Checksum | None,
    idle_timeout: float,
    stop: StopSignal,
) -> Received:
    """Stream the body into `sink`, then make it durable (or keep nothing of it on a refusal, or
    keep what is durable when storage fails). `length` is the whole upload's, to tell the last
    request (the one that assembles the upload) from the others."""
    start = sink.start
    hasher = checksum.hasher() if checksum is not None else None
    try:
        ending = await _read(
            receive, sink, sniffer, hasher, limit=limit, idle_timeout=idle_timeout, stop=stop
        )
        rest = sniffer.flush(ending)
        if rest:
            await sink.write(rest)
        if hasher is not None and checksum is not None:
            if ending != "complete":
                raise _Unverified()  # an unfinished chunk cannot be verified: discard it
            if hasher.digest() != checksum.digest:
                raise ChecksumMismatch()
        staged = await sink.finish(last=length is not None and start + sink.written == length)
        return Received(staged, ending, sniffer.found, None)
    except _Unverified:
        await sink.discard()
        return Received(Staged(start), "disconnect", sniffer.found, None)
    except StorageUnavailable as exc:
        return Received(await sink.salvage(), "complete", sniffer.found, exc)
    except RoughyError as exc:
        await sink.discard()
        return Received(Staged(start), "complete", sniffer.found, exc)


class _Unverified(Exception):
    pass
