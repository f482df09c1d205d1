"""The /api/v1 presigned PUT flow: an asset and a signed URL to PUT its file to (the bucket on
S3, else Roughy's own `PUT /api/v1/uploads/presigned/{token}`), then confirm."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.assets import service as assets
from roughy.assets.models import Asset
from roughy.auth.models import User
from roughy.config import Settings
from roughy.errors import Conflict, FieldError, Unauthenticated, ValidationFailed
from roughy.kit.clock import utcnow
from roughy.storage.signing import SignedFile, sign_file, verify_file_token
from roughy.storage.urls import bucket_put_url
from roughy.uploads import service

PRESIGNED_TTL = timedelta(minutes=15)
_PRESIGNED_PREFIX = "presigned-put:"
OUTPUT_TYPES = ("rendered_video", "cut_file")


async def open_presigned(
    session: AsyncSession, user: User, *, type: str, content_type: str | None, settings: Settings
) -> tuple[Asset, str, datetime]:
    """Step 1: an asset in pending_upload and a signed PUT URL for 15 min: straight to the bucket
    on S3, else served by Roughy."""
    type = service.legacy_type(type) or ""
    if type in OUTPUT_TYPES:
        raise Conflict(f"{type} assets are produced by pipelines and cannot be uploaded.")
    if type not in service.LEGACY_TYPES:
        raise ValidationFailed(
            "type must be audio or video.", fields=[FieldError("body.type", "audio or video")]
        )
    asset = await service.open_legacy_asset(session, user, settings, None, type, content_type, None)
    expires_at = utcnow() + PRESIGNED_TTL
    direct = bucket_put_url(
        settings,
        key=assets.presigned_upload_key(asset),
        content_type=content_type or "application/octet-stream",
        ttl=int(PRESIGNED_TTL.total_seconds()),
    )
    if direct is not None:
        return asset, direct, expires_at
    token = sign_file(
        settings.signing_key,
        SignedFile(
            key=_PRESIGNED_PREFIX + asset.id,
            expires_at=int(expires_at.timestamp()),
            content_type=content_type or "application/octet-stream",
            filename=user.id,
        ),
    )
    return asset, f"{settings.base_url}/api/v1/uploads/presigned/{token}", expires_at


def verify_presigned(settings: Settings, token: str) -> tuple[str, str]:
    """(asset_id, expected content type) of a valid, unexpired PUT token. The token is the
    credential of this request, so a bad one is 401."""
    signed = verify_file_token(settings.signing_key, token)
    if signed is None or not signed.key.startswith(_PRESIGNED_PREFIX):
        raise Unauthenticated("This upload URL is invalid or has expired.")
    return signed.key[len(_PRESIGNED_PREFIX) :], signed.content_type
