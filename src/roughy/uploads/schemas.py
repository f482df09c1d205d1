from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from roughy.assets.schemas import LegacyAssetSummary
from roughy.kit.schemas import Schema


class ResumableCreated(BaseModel):
    """Body of `POST /api/v1/assets/upload-resumable` (`asset` is null for a concatenation part)."""

    asset: LegacyAssetSummary | None
    session_id: str
    expires_at: datetime


class UploadUrlRequest(Schema):
    type: str = Field(description="audio or video (rendered_video and cut_file are outputs: 409)")
    content_type: str | None = Field(default=None, min_length=1, max_length=255)


class PresignedUpload(BaseModel):
    method: Literal["PUT"] = "PUT"
    url: str
    headers: dict[str, str]
    expires_at: datetime


class UploadUrlResponse(BaseModel):
    asset: LegacyAssetSummary
    upload: PresignedUpload
