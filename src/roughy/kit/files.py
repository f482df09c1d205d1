"""Reading files in bounded pieces."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO


def read_range(handle: BinaryIO, start: int, end: int, chunk: int) -> Iterator[bytes]:
    """The bytes of [start, end) of an open file, at most `chunk` at a time (fewer if it is
    shorter)."""
    handle.seek(start)
    remaining = end - start
    while remaining > 0:
        data = handle.read(min(chunk, remaining))
        if not data:
            return
        remaining -= len(data)
        yield data
