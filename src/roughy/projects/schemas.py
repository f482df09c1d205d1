from __future__ import annotations

from datetime import datetime

from pydantic import Field

from roughy.kit.schemas import Schema
from roughy.projects.models import ProjectState


class ProjectCreate(Schema):
    name: str = Field(min_length=1, max_length=256)


class ProjectUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=256)
    state: ProjectState | None = None


class ProjectSummary(Schema):
    id: str
    name: str
    state: ProjectState
    created_at: datetime
    updated_at: datetime


class Project(ProjectSummary):
    archived_at: datetime | None
