from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from roughy.kit.schemas import Schema


class RenderState(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class RenderPath(StrEnum):
    SMART = "smart"
    FULL = "full"


class OutputFormat(StrEnum):
    MP4 = "mp4"
    MOV = "mov"
    M4A = "m4a"
    MP3 = "mp3"


VIDEO_FORMATS = frozenset({OutputFormat.MP4, OutputFormat.MOV})


class RenderOutput(Schema):
    """mp4 and mov are the same H.264 + AAC encode in different containers; m4a is AAC; mp3 is
    MP3. `resolution` is a tier on the shorter edge (never upscaled); bitrates are optional
    ladder steps, capped at the source's. `frame_rate` is not supported: renders keep the
    source's rate, so only null is accepted (any value is a 422)."""

    format: OutputFormat
    resolution: Literal["720p", "1080p", "4k"] | None = Field(
        default=None, description="Video only."
    )
    video_bitrate: Literal[5, 10, 20, 50] | None = Field(
        default=None, description="Mbps, video only."
    )
    audio_bitrate: Literal[128, 192, 256, 320] | None = Field(default=None, description="kbps.")
    frame_rate: None = Field(
        default=None,
        description="Not supported (the source's rate is kept); must be null or omitted.",
    )

    @model_validator(mode="after")
    def _video_options_need_video(self) -> RenderOutput:
        if self.format not in VIDEO_FORMATS and (
            self.resolution is not None or self.video_bitrate is not None
        ):
            raise ValueError("resolution and video_bitrate apply to video formats (mp4, mov)")
        return self

    @property
    def is_video(self) -> bool:
        return self.format in VIDEO_FORMATS


class RenderCreate(Schema):
    asset_id: UUID
    cut_id: UUID | None = Field(
        default=None, description="A completed cut of the same asset; null renders the source."
    )
    output: RenderOutput


class Render(Schema):
    id: str
    asset_id: str
    project_id: str
    cut_id: str | None
    state: RenderState
    output: RenderOutput
    progress: float | None = Field(
        description="0–1 while processing; 1 once completed; null before it starts."
    )
    size_bytes: int | None
    duration_seconds: str | None = Field(
        default=None, description="Duration of the output, decimal seconds (once completed)."
    )
    render_path: RenderPath | None = Field(
        default=None,
        description="Once completed: `smart` (whole GOPs stream-copied, only the edges "
        "re-encoded) or `full` (every frame re-encoded).",
    )
    fallback_reason: str | None = Field(
        default=None,
        description="With `render_path: full`, why smart render was not used, as a stable "
        "human-readable sentence, e.g. `source is rotated`, `video bitrate requested`, "
        "`audio-only output`, `no stretch of whole GOPs on the output frame grid`, "
        "`too little can be stream-copied to pay off`.",
    )
    error_code: str | None
    error_message: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None


class RenderDetail(Render):
    download_url: str | None = Field(
        default=None,
        description="Short-lived signed URL of the output once completed; re-fetch, don't cache.",
    )
