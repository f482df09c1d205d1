from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """Base of API models: readable straight from ORM rows; unknown request fields rejected."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")
