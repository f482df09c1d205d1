from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, model_validator

from roughy.kit.schemas import Schema

DECIMAL_PATTERN = r"^\d{1,9}(\.\d{1,6})?$"
MAX_STEPS = 10


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


TERMINAL_PIPELINE_STATES = frozenset({"completed", "failed", "cancelled"})


class CutConfig(Schema):
    """`cut`: transcribe, decide what to keep, write an SRT listing every span (KEEP/DROP)."""

    mode: Literal["unscripted", "scripted"] = "unscripted"
    script: str | None = Field(default=None, max_length=100_000)
    language_code: str | None = Field(default=None, min_length=2, max_length=8)
    model: str | None = Field(default=None, max_length=128)

    @model_validator(mode="after")
    def _script_matches_mode(self) -> CutConfig:
        if self.mode == "scripted" and not (self.script and self.script.strip()):
            raise ValueError("mode 'scripted' needs a non-empty script")
        if self.mode == "unscripted" and self.script is not None:
            raise ValueError("a script is only accepted with mode 'scripted'")
        return self


class RenderConfig(Schema):
    """`render`: encode the kept spans of a prior cut step (or the whole input) as MP4."""

    preset: Literal["web_1080p", "web_720p", "social_vertical_1080p"] = "web_1080p"
    cut_step_order: int | None = Field(default=None, ge=0)


class StepSpec(Schema):
    processor_name: ProcessorName
    config: dict[str, Any] = Field(default_factory=dict)
    usage_units: str | None = Field(default=None, pattern=DECIMAL_PATTERN)


class EstimateRequest(Schema):
    steps: list[StepSpec] = Field(min_length=1, max_length=MAX_STEPS)
    input_asset_id: str | None = None


class StepEstimate(Schema):
    processor_name: ProcessorName
    usage_units: str
    credits_per_unit: str
    credits: int


class EstimateResponse(Schema):
    pricing_token: str
    steps: list[StepEstimate]
    total_credits: int
    expires_at: datetime


class PipelineCreate(Schema):
    input_asset_id: str
    steps: list[StepSpec] = Field(min_length=1, max_length=MAX_STEPS)
    pricing_token: str = Field(min_length=1, max_length=4096)


class StepOut(Schema):
    id: str
    order: int
    processor_name: ProcessorName
    config: dict[str, Any]
    state: StepState
    progress: float
    attempt: int
    usage_units: str
    credits_per_unit: str
    credits_reserved: int
    credits_consumed: int
    output_asset_id: str | None
    error_code: str | None
    error_message: str | None
    started_at: datetime | None
    completed_at: datetime | None


class PipelineOut(Schema):
    id: str
    state: PipelineState
    input_asset_id: str
    project_id: str
    cancel_requested: bool
    progress: float
    steps: list[StepOut]
    output_asset_ids: list[str]
    total_credits_reserved: int
    total_credits_consumed: int
    total_credits_released: int
    credits_held: int
    error_code: str | None
    error_message: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
