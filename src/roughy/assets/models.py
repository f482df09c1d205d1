from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from roughy.kit.clock import utcnow
from roughy.kit.db import Base, CreatedAt, enum_column
from roughy.kit.ids import new_id


class AssetState(StrEnum):
    """The stored states. `DELETED` is the /api/v1 soft delete: /v1 never shows such an asset,
    so its enum (`schemas.AssetState`) is these but `deleted`."""

    PENDING_UPLOAD = "pending_upload"
    PROCESSING = "processing"
    PENDING_PAYMENT = "pending_payment"
    READY = "ready"
    FAILED = "failed"
    DELETED = "deleted"


class AssetOrigin(StrEnum):
    UPLOAD = "upload"
    """A source someone uploaded."""
    PIPELINE = "pipeline"
    """A file a pipeline step made (types `cut_file`, `rendered_video`)."""


HAS_BYTES = frozenset({AssetState.PROCESSING, AssetState.PENDING_PAYMENT, AssetState.READY})
"""States whose asset has its whole file stored."""
MEASURED = frozenset({AssetState.PENDING_PAYMENT, AssetState.READY})
"""States whose asset was probed (duration, media info)."""


class Asset(CreatedAt, Base):
    """A stored media file.

    states: pending_upload -> processing -> ready | pending_payment | failed; `deleted` is the
    /api/v1 soft delete. `origin` is `upload` for sources and `pipeline` for processor outputs
    (types `cut_file`, `rendered_video`). Bytes live in storage under `storage_key`; the 16 kHz
    analysis audio extracted once during preparation under `analysis_audio_key`.
    """

    __tablename__ = "assets"
    __table_args__ = (
        Index("ix_assets_user_created", "user_id", "created_at"),
        Index("ix_assets_project_created", "project_id", "created_at"),
        Index("ix_assets_user_state", "user_id", "state"),
        Index("ix_assets_state_pending_payment_at", "state", "pending_payment_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    origin: Mapped[AssetOrigin] = enum_column(AssetOrigin, default=AssetOrigin.UPLOAD)
    surface: Mapped[str] = mapped_column(String(8), nullable=False, default="v1")
    type: Mapped[str | None] = mapped_column(String(24))
    state: Mapped[AssetState] = enum_column(
        AssetState, default=AssetState.PENDING_UPLOAD, length=24
    )
    extension: Mapped[str | None] = mapped_column(String(16))
    content_type: Mapped[str | None] = mapped_column(String(255))
    filename: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    upload_length: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(String(8))
    duration_us: Mapped[int | None] = mapped_column(BigInteger)
    media_info: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    storage_key: Mapped[str | None] = mapped_column(Text)
    analysis_audio_key: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)
    ready_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    pending_payment_at: Mapped[datetime | None]
    """When preparation ended with the balance short (the 30-day purge clock starts here)."""
