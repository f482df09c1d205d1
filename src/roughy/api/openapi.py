"""The OpenAPI document as the service really answers: security schemes (API key as Bearer, or
the session cookie), public operations marked `security: []`, a 400 for unparseable bodies on
every operation, and /api/v1 errors in their `{"detail", "code"}` shape with the statuses the old
API returns."""

from __future__ import annotations

import functools
import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from roughy.auth.dependencies import SESSION_COOKIE
from roughy.kit.openapi import LegacyError

LEGACY_PREFIX = "/api/v1/"
LEGACY_ERROR_REF = "#/components/schemas/LegacyError"
LEGACY_STATUSES = {
    "400": "bad_request (malformed body or headers)",
    "401": "unauthenticated",
    "403": "forbidden (e.g. email not verified, profile edits need a login session)",
    "404": "not_found",
    "409": "conflict",
    "422": "validation_error",
    "423": "account_deleted: the account is in its deletion grace period (writes refused)",
}
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})
SECURITY_SCHEMES = {
    "apiKey": {"type": "http", "scheme": "bearer", "description": "sk_…, rk_live_… or rk_sess_…"},
    "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
}


def _legacy_error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": LEGACY_ERROR_REF}}},
    }


def _describe_errors(path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if path.startswith(LEGACY_PREFIX):
        for status, response in list(responses.items()):
            if status.startswith(("4", "5")):
                responses[status] = _legacy_error(response.get("description") or "error")
        for status, description in LEGACY_STATUSES.items():
            responses.setdefault(status, _legacy_error(description))
    elif "400" not in responses and "422" in responses:
        responses["400"] = {**responses["422"], "description": "bad_request (unparseable body)"}


def build_document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title, version=app.version, routes=app.routes, description=app.description
    )
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["LegacyError"] = LegacyError.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    components["securitySchemes"] = SECURITY_SCHEMES
    document["security"] = [{name: []} for name in SECURITY_SCHEMES]
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in _METHODS:
                _describe_errors(path, operation)
    return document


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _path_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    return re.compile(
        "^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$"
    )


@functools.cache
def _method_table(document_id: int, paths: tuple[tuple[str, tuple[str, ...]], ...]) -> list[Any]:
    return [(_path_pattern(path), methods) for path, methods in paths]


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the service answers on `path` (across all its routes), for `Allow`."""
    document = app.openapi()
    paths = tuple(
        (template, tuple(m.upper() for m in item if m in _METHODS))
        for template, item in document.get("paths", {}).items()
    )
    methods: set[str] = set()
    for pattern, documented in _method_table(id(document), paths):
        if pattern.match(path):
            methods.update(documented)
    if "GET" in methods:
        methods.add("HEAD")
    if methods:
        methods.add("OPTIONS")
    return sorted(methods)
