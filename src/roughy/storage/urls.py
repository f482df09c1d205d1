"""Handing out stored objects: the one download-URL builder for both backends."""

from __future__ import annotations

import time

from roughy.config import Settings
from roughy.storage.s3 import presign_get, presign_put
from roughy.storage.signing import signed_download_url


def download_url(
    settings: Settings, *, key: str, content_type: str, filename: str
) -> tuple[str, int]:
    """The one way to hand out a stored object: a presigned GET on S3, a signed `/files/` URL
    on local storage; valid for `download_url_ttl_seconds`. Returns (url, unix expiry)."""
    ttl = settings.download_url_ttl_seconds
    if settings.storage_backend == "s3":
        url = presign_get(settings.s3, key, content_type=content_type, filename=filename, ttl=ttl)
        return url, int(time.time()) + ttl
    return signed_download_url(
        settings.base_url,
        settings.signing_key,
        key=key,
        content_type=content_type,
        filename=filename,
        ttl_seconds=ttl,
    )


def bucket_put_url(settings: Settings, *, key: str, content_type: str, ttl: int) -> str | None:
    """A PUT straight to the bucket (S3), or None when Roughy receives the bytes itself."""
    if settings.storage_backend != "s3":
        return None
    return presign_put(settings.s3, key, content_type=content_type, ttl=ttl)
