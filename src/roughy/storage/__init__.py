"""Blob storage: a protocol, local-disk and S3 implementations, the key layout (`keys`), and
download URLs (`urls`)."""

from roughy.storage.base import Storage, StorageKeyError, StorageUnavailable
from roughy.storage.local import LocalStorage

__all__ = ["LocalStorage", "Storage", "StorageKeyError", "StorageUnavailable"]
