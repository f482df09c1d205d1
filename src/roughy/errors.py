"""One tree of domain errors. Each carries a stable snake_case code and its HTTP status.

`/v1` renders them as `{"error": {"code", "message", "fields"}}`; `/api/v1` as `{"detail": ...}`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class RoughyError(Exception):
    code = "internal_error"
    status = 500
    default_message = "Internal server error."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        self.fields = fields or []
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(RoughyError):
    code, status, default_message = "bad_request", 400, "Malformed request."


class Unauthenticated(RoughyError):
    code, status, default_message = "unauthenticated", 401, "Missing or invalid credentials."


class InsufficientCredits(RoughyError):
    code, status, default_message = "insufficient_credits", 402, "Not enough credits."


class Forbidden(RoughyError):
    code, status, default_message = "forbidden", 403, "Not allowed."


class NotFound(RoughyError):
    code, status, default_message = "not_found", 404, "Not found."


class Conflict(RoughyError):
    code, status, default_message = "conflict", 409, "Conflicts with the current state."


class Gone(RoughyError):
    code, status, default_message = "gone", 410, "No longer available."


class PreconditionFailed(RoughyError):
    code, status, default_message = "precondition_failed", 412, "Precondition failed."


class PayloadTooLarge(RoughyError):
    code, status, default_message = "payload_too_large", 413, "Payload too large."


class UnsupportedMediaType(RoughyError):
    code, status, default_message = "unsupported_media_type", 415, "Unsupported media type."


class ValidationFailed(RoughyError):
    code, status, default_message = "validation_error", 422, "Validation failed."


class Locked(RoughyError):
    code, status, default_message = "locked", 423, "The resource is locked."
