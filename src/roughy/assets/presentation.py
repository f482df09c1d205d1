"""How an asset is shown on each API surface (/v1 and /api/v1), with download URLs (presigned
GETs on S3, signed `/files/` URLs on local storage)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from roughy.assets.models import HAS_BYTES, MEASURED, Asset, AssetState
from roughy.assets.schemas import Asset as AssetOut
from roughy.assets.schemas import (
    AssetSummary,
    LegacyAsset,
    LegacyAssetState,
    LegacyAssetSummary,
)
from roughy.config import Settings
from roughy.storage.urls import download_url


def duration_seconds(duration_us: int | None) -> str | None:
    if duration_us is None:
        return None
    return str((Decimal(duration_us) / Decimal(1_000_000)).quantize(Decimal("0.001")))


def _download_url(asset: Asset, settings: Settings) -> str | None:
    if asset.storage_key is None or asset.state not in HAS_BYTES:
        return None
    url, _ = download_url(
        settings,
        key=asset.storage_key,
        content_type=asset.content_type or "application/octet-stream",
        filename=asset.filename or f"{asset.id}.{asset.extension or 'bin'}",
    )
    return url


def upload_url(settings: Settings, upload_id: str, path: str = "/v1/uploads") -> str:
    """The one builder of tus upload URLs (`path` is the surface's)."""
    return f"{settings.base_url}{path}/{upload_id}"


def _summary_fields(asset: Asset) -> dict[str, Any]:
    measured = asset.state in MEASURED
    return {
        "id": asset.id,
        "project_id": asset.project_id,
        "type": asset.type,
        "state": asset.state,
        "extension": asset.extension,
        "size_bytes": None if asset.state == AssetState.PENDING_UPLOAD else asset.size_bytes,
        "content_type": asset.content_type,
        "duration_seconds": duration_seconds(asset.duration_us) if measured else None,
        "language": asset.language,
        "filename": asset.filename,
        "cuttable": asset.state == AssetState.READY,
        "created_at": asset.created_at,
    }


def public_summary(asset: Asset) -> AssetSummary:
    return AssetSummary(**_summary_fields(asset))


def public_detail(asset: Asset, settings: Settings) -> AssetOut:
    pending = asset.state == AssetState.PENDING_UPLOAD
    return AssetOut(
        **_summary_fields(asset),
        error_code=asset.error_code,
        error_message=asset.error_message,
        upload_url=upload_url(settings, asset.id) if pending else None,
        download_url=None if pending else _download_url(asset, settings),
    )


def legacy_state(asset: Asset) -> LegacyAssetState:
    if asset.deleted_at is not None:
        return LegacyAssetState.DELETED
    if asset.state == AssetState.PENDING_UPLOAD:
        return LegacyAssetState.PENDING_UPLOAD
    if asset.state == AssetState.FAILED:
        return LegacyAssetState.FAILED
    return LegacyAssetState.READY


def legacy_summary(asset: Asset) -> LegacyAssetSummary:
    return LegacyAssetSummary(
        id=asset.id,
        type=asset.type,
        state=legacy_state(asset),
        size_bytes=None if asset.state == AssetState.PENDING_UPLOAD else asset.size_bytes,
        content_type=asset.content_type,
        duration_seconds=duration_seconds(asset.duration_us),
        created_at=asset.created_at,
    )


def legacy_detail(asset: Asset, settings: Settings) -> LegacyAsset:
    summary = legacy_summary(asset)
    url = None
    if summary.state not in (LegacyAssetState.PENDING_UPLOAD, LegacyAssetState.DELETED):
        url = _download_url(asset, settings)
    return LegacyAsset(
        **summary.model_dump(),
        download_url=url,
        error_code=asset.error_code,
        error_message=asset.error_message,
    )
