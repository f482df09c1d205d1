from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from roughy.jobs.engine_job import EngineJobColumns
from roughy.kit.db import AssetWorkColumns, Base, CreatedAt, asset_work_indexes


class Render(AssetWorkColumns, EngineJobColumns, CreatedAt, Base):
    """A flattened output of an asset (whole, or the kept spans of a cut).

    states: pending -> processing -> completed | failed | cancelled. Idempotent on the whole
    request: `request_key` (sha256 of cut_id + canonical output) is unique per asset among
    renders that are not failed/cancelled. Bytes live at `storage_key` once completed.
    """

    __tablename__ = "renders"
    __table_args__ = (
        *asset_work_indexes("renders"),
        Index(
            "uq_renders_asset_request_live",
            "asset_id",
            "request_key",
            unique=True,
            postgresql_where=text("state NOT IN ('failed', 'cancelled')"),
        ),
    )

    cut_id: Mapped[str | None] = mapped_column(
        ForeignKey("cuts.id", ondelete="CASCADE"), index=True
    )
    output: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    request_key: Mapped[str] = mapped_column(String(64), nullable=False)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    storage_key: Mapped[str | None] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    duration_us: Mapped[int | None] = mapped_column(BigInteger)
    render_path: Mapped[str | None] = mapped_column(String(8))
    """smart | full, once completed."""
    fallback_reason: Mapped[str | None] = mapped_column(Text)
