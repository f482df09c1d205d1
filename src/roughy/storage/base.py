from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol

from roughy.errors import RoughyError


class StorageKeyError(KeyError):
    """The key does not exist (or is not a valid key)."""


class StorageUnavailable(RoughyError):
    """The object store failed or cannot be reached; what was durable before stays so."""

    code, status = "storage_unavailable", 503
    default_message = "Storage is temporarily unavailable; retry shortly."


class Storage(Protocol):
    """Blobs addressed by `/`-separated keys. Writes are atomic: a reader never sees half a blob."""

    def put_file(self, key: str, source: Path, *, move: bool = False) -> int: ...

    def put_bytes(self, key: str, data: bytes) -> int: ...

    def get_bytes(self, key: str) -> bytes: ...

    def open(self, key: str) -> BinaryIO: ...

    def iter_range(self, key: str, start: int, end: int, chunk: int = 1 << 20) -> Iterator[bytes]:
        """Bytes [start, end] inclusive, in chunks."""
        ...

    def size(self, key: str) -> int: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def local_path(self, key: str) -> AbstractContextManager[Path]:
        """A local file with the blob's bytes for as long as the context is open."""
        ...
