from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from roughy.kit.schemas import Schema


# The /v1 enum: the stored states (`models.AssetState`) but `deleted`.
class AssetState(StrEnum):
    PENDING_UPLOAD = "pending_upload"
    PROCESSING = "processing"
    PENDING_PAYMENT = "pending_payment"
    READY = "ready"
    FAILED = "failed"


class LegacyAssetState(StrEnum):
    """The /api/v1 enum (`failed` is an addition: the old API had no way to say it)."""

    PENDING_UPLOAD = "pending_upload"
    READY = "ready"
    DELETED = "deleted"
    FAILED = "failed"


class AssetCreate(Schema):
    project_id: str
    size_bytes: int = Field(
        ge=64, description="Upload-Length in bytes (64 B to 50 GiB; above 50 GiB is 413)."
    )
    language: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2}$", description="ISO 639-1 hint; null = auto-detect."
    )
    filename: str | None = Field(
        default=None,
        max_length=255,
        description="The uploaded file's name; downloads, renders and exports are named after it.",
    )

    @field_validator("language")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value is not None else None


class AssetSummary(BaseModel):
    id: str
    project_id: str
    type: str | None
    state: AssetState
    extension: str | None
    size_bytes: int | None
    content_type: str | None
    duration_seconds: str | None = Field(
        description='Decimal string, e.g. "324.412"; set on ready and pending_payment.'
    )
    language: str | None
    filename: str | None = Field(default=None, description="The uploaded file's name.")
    cuttable: bool = Field(description="Prepared and paid: cuts and renders may start.")
    created_at: datetime


class Asset(AssetSummary):
    error_code: str | None
    error_message: str | None
    upload_url: str | None
    download_url: str | None


class LegacyAssetSummary(BaseModel):
    id: str
    type: str | None
    state: LegacyAssetState
    size_bytes: int | None
    content_type: str | None
    duration_seconds: str | None
    created_at: datetime


class LegacyAsset(LegacyAssetSummary):
    download_url: str | None
    error_code: str | None = Field(default=None, description="Set when `state` is failed.")
    error_message: str | None = Field(default=None, description="Set when `state` is failed.")


class Waveform(BaseModel):
    duration_seconds: str = Field(description="Source duration, decimal seconds.")
    peaks: list[float] = Field(
        description="Peak level (0–1) of each of `points` equal stretches of the source."
    )
