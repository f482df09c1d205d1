"""Blob storage: a protocol, a local-filesystem implementation, and signed download URLs."""

from roughy.storage.base import Storage, StorageKeyError
from roughy.storage.local import LocalStorage

__all__ = ["LocalStorage", "Storage", "StorageKeyError"]
