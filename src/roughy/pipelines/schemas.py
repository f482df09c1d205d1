from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from roughy.kit.schemas import Schema
from roughy.pipelines.models import (
    Pipeline,
    PipelineState,
    PipelineStep,
    ProcessorName,
    StepState,
)
from roughy.renders.schemas import RenderPath

DECIMAL_PATTERN = r"^\d{1,9}(\.\d{1,6})?$"
MAX_STEPS = 10


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
    """Read from a `PipelineStep` row (`position` is the step's `order`)."""

    id: str
    order: int = Field(validation_alias=AliasChoices("order", "position"))
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
    render_path: RenderPath | None = Field(
        default=None,
        description="A completed render step: `smart` (whole GOPs stream-copied, only the edges "
        "re-encoded) or `full` (every frame re-encoded), as on /v1 renders.",
    )
    fallback_reason: str | None = Field(
        default=None,
        description="With `render_path: full`, why smart render was not used (the sentences of "
        "/v1 renders' `fallback_reason`).",
    )
    error_code: str | None
    error_message: str | None
    started_at: datetime | None
    completed_at: datetime | None

    @field_validator("progress")
    @classmethod
    def _rounded(cls, value: float) -> float:
        return round(value, 4)


PIPELINE_COLUMNS = (
    "id",
    "state",
    "input_asset_id",
    "project_id",
    "cancel_requested",
    "total_credits_reserved",
    "total_credits_consumed",
    "total_credits_released",
    "error_code",
    "error_message",
    "created_at",
    "updated_at",
    "started_at",
    "completed_at",
)


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

    @classmethod
    def of(cls, pipeline: Pipeline, steps: list[PipelineStep]) -> PipelineOut:
        """The response for a pipeline row and its steps (in order)."""
        progress = sum(s.progress for s in steps) / len(steps) if steps else 0.0
        if pipeline.state == PipelineState.COMPLETED:
            progress = 1.0
        held = (
            pipeline.total_credits_reserved
            - pipeline.total_credits_consumed
            - pipeline.total_credits_released
        )
        return cls(
            **{name: getattr(pipeline, name) for name in PIPELINE_COLUMNS},
            progress=round(progress, 4),
            steps=[StepOut.model_validate(step) for step in steps],
            output_asset_ids=[s.output_asset_id for s in steps if s.output_asset_id],
            credits_held=held,
        )
