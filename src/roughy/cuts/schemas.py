from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from roughy.kit.schemas import Schema

MAX_SCRIPT_CHARS = 100_000
SECONDS_PATTERN = r"^\d+\.\d{6}$"


class CutState(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class ExportFormat(StrEnum):
    FCPXML = "fcpxml"
    XMEML = "xmeml"
    EDL = "edl"
    OTIO = "otio"
    JSON = "json"


class SubtitleFormat(StrEnum):
    SRT = "srt"
    VTT = "vtt"


MAX_EDITS = 10_000


class EditAction(StrEnum):
    KEEP = "keep"
    REMOVE = "remove"


class CutEditIn(Schema):
    start: Decimal = Field(ge=0, description="Source time, seconds (microsecond precision).")
    end: Decimal = Field(ge=0, description="Source time, seconds; after `start`.")
    action: EditAction = Field(description="keep or remove the interval [start, end).")


class CutCreate(Schema):
    asset_id: UUID
    script: str | None = Field(
        default=None,
        max_length=MAX_SCRIPT_CHARS,
        description="Reference script (at most 100,000 characters). With it, one take per "
        "sentence is kept and off-script asides are dropped. Snapshotted on the cut. Not "
        "allowed with `base_cut_id` (an edited cut keeps its base's script).",
    )
    base_cut_id: UUID | None = Field(
        default=None,
        description="Make an edited cut: a completed engine cut of this asset that `edits` "
        "correct. The result is completed at once, exportable and renderable like any cut.",
    )
    edits: list[CutEditIn] | None = Field(
        default=None,
        max_length=MAX_EDITS,
        description="With `base_cut_id`: keep/remove intervals of the source, inside the media "
        "and not overlapping one another (else 422). Ignored order; an empty list copies the "
        "base.",
    )


class KeptSegment(Schema):
    start: str = Field(pattern=SECONDS_PATTERN, description="Source time, decimal seconds.")
    end: str = Field(pattern=SECONDS_PATTERN, description="Source time, decimal seconds.")


class RemovedSpan(Schema):
    start: str = Field(pattern=SECONDS_PATTERN, description="Source time, decimal seconds.")
    end: str = Field(pattern=SECONDS_PATTERN, description="Source time, decimal seconds.")
    kind: str = Field(
        description="filler | silence | false_start | retake | retake_cue | off_script | stutter"
    )
    reason: str
    confidence: float = Field(ge=0, le=1)
    pass_name: str = Field(
        default="",
        alias="pass",
        description="The decision pass that proposed this span (empty for older cuts).",
    )


class CutEdit(Schema):
    start: str = Field(pattern=SECONDS_PATTERN, description="Source time, decimal seconds.")
    end: str = Field(pattern=SECONDS_PATTERN, description="Source time, decimal seconds.")
    action: EditAction


class TranscriptWord(Schema):
    text: str
    start: str = Field(pattern=SECONDS_PATTERN, description="Source time, decimal seconds.")
    end: str = Field(pattern=SECONDS_PATTERN, description="Source time, decimal seconds.")
    probability: float = Field(ge=0, le=1)


class CutSummary(Schema):
    id: str
    asset_id: str
    project_id: str
    state: CutState
    script: str | None
    base_cut_id: str | None = Field(
        default=None, description="Set on an edited cut: the engine cut its edits correct."
    )
    edits: list[CutEdit] | None = Field(
        default=None,
        description="Set on an edited cut: the reviewer's changes to the base cut's decision.",
    )
    progress: float | None = Field(
        description="0–1 while processing; 1 once completed; null before it starts."
    )
    error_code: str | None
    error_message: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None


class Cut(CutSummary):
    """A cut. Once completed it carries its plan: `kept_segments` (played back to back they are
    the output) and `removed_spans` (what went, and why). Times are decimal strings of seconds
    with microsecond precision (like `duration_seconds`)."""

    source_duration_seconds: str | None = Field(default=None, pattern=SECONDS_PATTERN)
    kept_duration_seconds: str | None = Field(default=None, pattern=SECONDS_PATTERN)
    language: str | None = None
    kept_segments: list[KeptSegment] | None = None
    removed_spans: list[RemovedSpan] | None = None
    suggested_spans: list[RemovedSpan] | None = Field(
        default=None,
        description="Removals the engine was not sure of: still kept in `kept_segments`, "
        "proposed to a reviewer.",
    )
    words: list[TranscriptWord] | None = Field(
        default=None, description="The transcript, word by word, on the source timeline."
    )
