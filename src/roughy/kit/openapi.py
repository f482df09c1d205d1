"""OpenAPI descriptions for `responses=` on routes (the /v1 error envelope, idempotent creates)."""

from __future__ import annotations

from typing import Any

from fastapi import Response
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
    408: "request_timeout (the body stalled; what arrived was kept)",
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


def idempotent_create_responses(
    model: type[BaseModel], existing: str, new: str, *statuses: int, **extra: str
) -> dict[int | str, dict[str, Any]]:
    """`responses=` of an idempotent create: 201 with `Location` for a new row (`new`), 200 and
    the row for an identical earlier request (`existing`), plus `error_responses`."""
    return {
        200: {"model": model, "description": existing},
        201: {"description": new},
        **error_responses(*statuses, **extra),
    }


def answer_create(response: Response, created: bool, location: str) -> None:
    """The status of an idempotent create: 201 + `Location` when new, else 200."""
    if created:
        response.headers["Location"] = location
    else:
        response.status_code = 200


class LegacyError(BaseModel):
    """/api/v1 errors: FastAPI's shape, a message (or the validation items) plus a stable code."""

    detail: str | list[dict[str, Any]] = Field(
        description="What went wrong; for request validation, FastAPI's list of field errors."
    )
    code: str | None = Field(default=None, description="Stable snake_case error code.")


PUBLIC_OPERATION: dict[str, Any] = {"security": []}
"""`openapi_extra=` of a route that needs no credentials (sign-up, login, tus capability
discovery, signed provider webhooks)."""

TUS_OPERATION: dict[str, Any] = {
    "parameters": [
        {
            "name": "Tus-Resumable",
            "in": "header",
            "required": True,
            "description": "The tus protocol version; anything else is 412.",
            "schema": {"type": "string", "enum": ["1.0.0"]},
        }
    ]
}
"""`openapi_extra=` of a tus request (every tus method except OPTIONS)."""

TUS_PATCH_OPERATION: dict[str, Any] = {
    **TUS_OPERATION,
    "requestBody": {
        "required": True,
        "content": {
            "application/offset+octet-stream": {"schema": {"type": "string", "format": "binary"}}
        },
    },
}
"""`openapi_extra=` of a tus PATCH: the chunk's bytes, sent at `Upload-Offset`."""
