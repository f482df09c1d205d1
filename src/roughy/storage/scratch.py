"""A bounded local directory where a process keeps the objects it is working on.

Each process works in `<scratch>/<pid>/`; files leave as soon as their context closes, and a
process starting up removes the directories of processes that are gone (a crash or `kill -9`
leaves nothing behind for longer than the next start). A fetch that would take the directory
past its budget is refused rather than filling the disk."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

from roughy.storage.base import StorageUnavailable


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Scratch:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.directory = root / str(os.getpid())
        self._reserved = 0
        self._lock = threading.Lock()
        self.clean_stale()

    def clean_stale(self) -> None:
        """Remove what dead processes left behind (this process's own directory included)."""
        if not self.root.is_dir():
            return
        for entry in self.root.iterdir():
            owner = int(entry.name) if entry.name.isdigit() else None
            if owner is None or owner == os.getpid() or not _alive(owner):
                shutil.rmtree(entry, ignore_errors=True)

    @contextmanager
    def reserve(self, size: int, name: str) -> Iterator[Path]:
        """A fresh path for a file of `size` bytes, deleted when the context closes."""
        with self._lock:
            if self._reserved + size > self.max_bytes:
                raise StorageUnavailable(
                    f"The scratch directory cannot hold {size} more bytes "
                    f"(ROUGHY_SCRATCH_MAX_BYTES={self.max_bytes})."
                )
            self._reserved += size
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{uuid4().hex}-{name}"
        try:
            yield path
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            with self._lock:
                self._reserved -= size
