from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from roughy.kit.clock import utcnow
from roughy.kit.db import Base, CreatedAt, enum_column
from roughy.kit.ids import new_id


class ProjectState(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class Project(CreatedAt, Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_user_state_created", "user_id", "state", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    state: Mapped[ProjectState] = enum_column(ProjectState, default=ProjectState.ACTIVE)
    archived_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)
