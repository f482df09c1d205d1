from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from roughy.jobs.engine_job import EngineJobColumns
from roughy.kit.db import AssetWorkColumns, Base, CreatedAt, asset_work_indexes
from roughy.kit.ids import new_id


class Cut(AssetWorkColumns, EngineJobColumns, CreatedAt, Base):
    """A rough-cut decision for one asset. states: pending -> processing -> completed | failed.

    Idempotent on (asset, script): `script_key` is the sha256 of the script ("" without one) and
    is unique per asset among cuts that have not failed, so a failed cut can be asked for again.
    `document` is the engine's CutDocument (`to_dict`) once completed.

    An edited cut names its engine cut in `base_cut_id` and keeps the reviewer's `edits`
    (`[{start_us, end_us, action}]`); it is completed on creation, its `document` being the base
    document with the edits applied, and its `script_key` hashes the base and the edits.
    """

    __tablename__ = "cuts"
    __table_args__ = (
        *asset_work_indexes("cuts"),
        Index(
            "uq_cuts_asset_script_live",
            "asset_id",
            "script_key",
            unique=True,
            postgresql_where=text("state <> 'failed'"),
        ),
    )

    script: Mapped[str | None] = mapped_column(Text)
    script_key: Mapped[str] = mapped_column(String(64), nullable=False)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    base_cut_id: Mapped[str | None] = mapped_column(
        ForeignKey("cuts.id", ondelete="CASCADE"), index=True
    )
    edits: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)


class Transcript(CreatedAt, Base):
    """The word-timed transcript of an asset by one model, cached so re-cuts skip the ASR."""

    __tablename__ = "transcripts"
    __table_args__ = (UniqueConstraint("asset_id", "model", name="uq_transcripts_asset_model"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(255), nullable=False)
    language: Mapped[str] = mapped_column(String(16), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
