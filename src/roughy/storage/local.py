from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from roughy.kit.files import read_range
from roughy.storage.base import StorageKeyError


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        parts = PurePosixPath(key).parts
        if not parts or any(p in ("..", ".", "") or p.startswith("/") for p in parts):
            raise StorageKeyError(key)
        return self.root.joinpath(*parts)

    def _atomic_write(self, key: str, write: object) -> int:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                assert callable(write)
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return target.stat().st_size

    def put_file(self, key: str, source: Path, *, move: bool = False) -> int:
        target = self._path(key)
        if move and source.stat().st_dev == self.root.stat().st_dev:
            target.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as handle:
                os.fsync(handle.fileno())
            os.replace(source, target)
            _fsync_dir(target.parent)
            return target.stat().st_size

        def copy(handle: BinaryIO) -> None:
            with source.open("rb") as src:
                shutil.copyfileobj(src, handle, 1 << 20)

        size = self._atomic_write(key, copy)
        if move:
            source.unlink(missing_ok=True)
        return size

    def put_bytes(self, key: str, data: bytes) -> int:
        return self._atomic_write(key, lambda handle: handle.write(data))

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StorageKeyError(key) from exc

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise StorageKeyError(key) from exc

    def iter_range(self, key: str, start: int, end: int, chunk: int = 1 << 20) -> Iterator[bytes]:
        with self.open(key) as handle:
            yield from read_range(handle, start, end + 1, chunk)

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise StorageKeyError(key) from exc

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except StorageKeyError:
            return False

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        directory = self._path(prefix.rstrip("/"))
        if not directory.exists():
            return 0
        if directory.is_file():
            directory.unlink()
            return 1
        count = sum(1 for p in directory.rglob("*") if p.is_file())
        shutil.rmtree(directory, ignore_errors=True)
        return count

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise StorageKeyError(key)
        yield path
