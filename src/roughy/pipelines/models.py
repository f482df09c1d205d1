from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from roughy.kit.clock import utcnow
from roughy.kit.db import Base, CreatedAt, enum_column
from roughy.kit.ids import new_id


class ProcessorName(StrEnum):
    CUT = "cut"
    RENDER = "render"


class PipelineState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class StepState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL_PIPELINE_STATES = frozenset(
    {PipelineState.COMPLETED, PipelineState.FAILED, PipelineState.CANCELLED}
)


class Pipeline(CreatedAt, Base):
    """An /api/v1 pipeline: steps run in order over one input asset.

    states: pending -> running -> completed | failed | cancelled; retry returns failed/cancelled
    pipelines to pending. Credits: `total_credits_reserved` sums every HOLD placed (a retry places
    a new one), `total_credits_consumed` every COMMIT, `total_credits_released` every RELEASE.
    """

    __tablename__ = "pipelines"
    __table_args__ = (Index("ix_pipelines_user_created", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    input_asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    state: Mapped[PipelineState] = enum_column(PipelineState, default=PipelineState.PENDING)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    shape_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    total_credits_reserved: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_credits_consumed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_credits_released: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)


class PipelineStep(CreatedAt, Base):
    """One processor run. states: pending -> running -> completed | failed | cancelled.

    `attempt` counts claims and never goes back: a step attempt may finish (and be charged) only
    while the row still carries its attempt number, so a worker presumed dead cannot complete a
    step that has since been handed to another one. `cut_document` keeps a cut step's decision
    for later render steps; a render step keeps the path it took (`render_path`, `fallback_reason`).
    """

    __tablename__ = "pipeline_steps"
    __table_args__ = (
        UniqueConstraint("pipeline_id", "position", name="uq_pipeline_steps_pipeline_position"),
        Index("ix_pipeline_steps_state_heartbeat", "state", "heartbeat_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pipeline_id: Mapped[str] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    processor_name: Mapped[ProcessorName] = enum_column(ProcessorName, length=32)
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    state: Mapped[StepState] = enum_column(StepState, default=StepState.PENDING)
    progress: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    recoveries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    usage_units: Mapped[str] = mapped_column(String(32), nullable=False)
    credits_per_unit: Mapped[str] = mapped_column(String(32), nullable=False)
    credits_reserved: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    credits_consumed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    output_asset_id: Mapped[str | None] = mapped_column(String(36))
    cut_document: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    render_path: Mapped[str | None] = mapped_column(String(8))
    """A completed render step: `smart` or `full` (as /v1 renders); `fallback_reason` says why
    smart render was not used."""
    fallback_reason: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(128))
    heartbeat_at: Mapped[datetime | None]
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)


class StepCharge(CreatedAt, Base):
    """The unique key of a COMMIT: one per step attempt, written with the ledger entry."""

    __tablename__ = "pipeline_step_charges"

    step_id: Mapped[str] = mapped_column(
        ForeignKey("pipeline_steps.id", ondelete="CASCADE"), primary_key=True
    )
    attempt: Mapped[int] = mapped_column(Integer, primary_key=True)
    pipeline_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    credits: Mapped[int] = mapped_column(Integer, nullable=False)


class PricingTokenUse(CreatedAt, Base):
    """A pricing token that created a pipeline: each token buys one pipeline."""

    __tablename__ = "pricing_token_uses"

    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pipeline_id: Mapped[str] = mapped_column(
        ForeignKey("pipelines.id", ondelete="CASCADE"), nullable=False
    )
