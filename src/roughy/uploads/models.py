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


class UploadKind(StrEnum):
    SINGLE = "single"
    PARTIAL = "partial"
    FINAL = "final"


class UploadState(StrEnum):
    ACTIVE = "active"
    COMPLETE = "complete"
    CONSUMED = "consumed"
    """A complete part that a final upload took, or a spare one the sweep dropped."""
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Upload(CreatedAt, Base):
    """One tus upload (a "session"). Bytes in flight live in staging (a local `.part` file, or an
    S3 multipart upload and its tail object); this row holds the committed offset: the only
    offset ever advertised, always backed by durable bytes.

    kind: `single` (one asset, id == asset id), `partial` (a concatenation part, no asset) or
    `final` (an asset whose bytes are the concatenation of `parts`).
    state: `active` -> `complete` (-> `consumed`, a part); `cancelled` (terminated) and `expired`
    are tombstones kept so late requests get 404/410 rather than a fresh upload.
    """

    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_state_expires", "state", "expires_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[str | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL"), index=True
    )
    surface: Mapped[str] = mapped_column(String(8), nullable=False, default="v1")
    kind: Mapped[UploadKind] = enum_column(UploadKind, default=UploadKind.SINGLE, length=8)
    state: Mapped[UploadState] = enum_column(UploadState, default=UploadState.ACTIVE, length=12)
    length: Mapped[int | None] = mapped_column(BigInteger)
    offset: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    upload_metadata: Mapped[str | None] = mapped_column(Text)
    parts: Mapped[list[Any] | None] = mapped_column(JSONB)
    staging_key: Mapped[str | None] = mapped_column(Text)
    """S3: the key the multipart upload assembles into."""
    multipart_id: Mapped[str | None] = mapped_column(Text)
    part_etags: Mapped[list[Any] | None] = mapped_column(JSONB)
    """S3: ETags of the committed parts, in order (each part but the last is PART_SIZE)."""
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)
