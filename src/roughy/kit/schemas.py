from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

NUL = "\x00"
NUL_MESSAGE = "must not contain the NUL character (U+0000)"


def contains_nul(value: Any) -> bool:
    """True when a text anywhere in `value` (strings, and lists/dicts of them; nested models check
    their own fields) holds U+0000, which PostgreSQL cannot store in text."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(contains_nul(item) for item in value)
    return False


class Schema(BaseModel):
    """Base of API models: readable straight from ORM rows; unknown request fields rejected;
    no text field may carry U+0000 (a field error, never a database error)."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if contains_nul(value):
            raise ValueError(NUL_MESSAGE)
        return value
