"""OpenAPI descriptions of the /v1 error envelope, for `responses=` on routes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorField(BaseModel):
    field: str = Field(description="Dotted path rooted at body., query. or path.")
    message: str


class ErrorBody(BaseModel):
    code: str = Field(description="Stable snake_case error code; branch on it.")
    message: str
    fields: list[ErrorField] | None = Field(default=None, description="For validation_error.")


class ErrorEnvelope(BaseModel):
    error: ErrorBody


_DESCRIPTIONS = {
    400: "bad_request",
    401: "unauthenticated",
    402: "insufficient_credits",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    423: "locked",
    460: "checksum_mismatch",
    502: "payment_provider_unavailable",
}


def error_responses(*statuses: int, **extra: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: 401 and 422 always, plus `statuses`. `extra` maps a status
    (as `s409="..."`) to a description listing its codes."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted({401, 422, *statuses}):
        description = extra.get(f"s{status}", _DESCRIPTIONS.get(status, "error"))
        out[status] = {"model": ErrorEnvelope, "description": description}
    return out
