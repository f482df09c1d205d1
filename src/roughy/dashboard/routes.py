"""The web app (a single page of plain ES modules calling the same API as any client) and the
Swagger UI of `/v1/docs`, every asset served from the package: the pages work offline."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(include_in_schema=False)
STATIC = (Path(__file__).parent / "static").resolve()
SWAGGER = Path(swagger_ui_bundle.swagger_ui_path).resolve()
MEDIA_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".html": "text/html",
    ".map": "application/json",
}


def _page() -> FileResponse:
    """The page holds no data: it signs in with the session cookie and calls the API."""
    return FileResponse(
        STATIC / "index.html", media_type="text/html", headers={"Cache-Control": "no-store"}
    )


@router.get("/")
async def root() -> FileResponse:
    return _page()


@router.get("/dashboard")
async def dashboard() -> FileResponse:
    return _page()


def _file_under(root: Path, relative: str) -> FileResponse:
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(status_code=404)
    media_type = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})


@router.get("/app/{path:path}")
async def app_asset(path: str) -> FileResponse:
    return _file_under(STATIC, path)


@router.get("/v1/docs/assets/{path:path}")
async def swagger_asset(path: str) -> FileResponse:
    return _file_under(SWAGGER, path)


@router.get("/v1/docs")
async def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/v1/openapi.json",
        title="Roughy Public API",
        swagger_js_url="/v1/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/v1/docs/assets/swagger-ui.css",
        swagger_favicon_url="/app/favicon.svg",
    )
