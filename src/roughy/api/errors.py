"""Error rendering. `/v1` and everything else: `{"error": {"code", "message", "fields"}}`.
`/api/v1` keeps FastAPI's `{"detail": ...}` shape (with a stable `code` beside it)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from roughy.api.logging import current_request_id
from roughy.api.openapi import allowed_methods
from roughy.errors import FieldError, RoughyError, ValidationFailed

log = logging.getLogger(__name__)
LEGACY_PREFIX = "/api/v1"
HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
}


def is_legacy(request: Request) -> bool:
    return request.url.path.startswith(LEGACY_PREFIX)


def envelope(code: str, message: str, fields: list[FieldError] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = [{"field": f.field, "message": f.message} for f in fields]
    return {"error": body}


def error_response(request: Request, error: RoughyError) -> JSONResponse:
    if is_legacy(request):
        content: dict[str, Any] = {"detail": error.message, "code": error.code}
    else:
        content = envelope(error.code, error.message, error.fields)
    return JSONResponse(content, status_code=error.status, headers=error.headers)


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _roughy_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RoughyError)
    return error_response(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if is_legacy(request):
        return JSONResponse({"detail": _jsonable(exc.errors())}, status_code=422)
    fields = [FieldError(_field_path(e["loc"]), e["msg"]) for e in exc.errors()]
    return error_response(request, ValidationFailed(fields=fields))


def _jsonable(errors: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(errors, custom_encoder={Exception: str})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the methods of the first route on this path.
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=headers)
    if is_legacy(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
    return JSONResponse(envelope(code, message), status_code=exc.status_code, headers=headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = current_request_id() or getattr(request.state, "request_id", None) or "unknown"
    log.exception("unhandled error", extra={"path": request.url.path, "request_id": request_id})
    message = f"Internal server error. Include request id {request_id} when reporting it."
    response = error_response(request, RoughyError(message))
    response.headers["x-request-id"] = request_id
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RoughyError, _roughy_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
