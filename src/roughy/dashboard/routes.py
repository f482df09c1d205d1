from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).parent / "static"


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/dashboard")


@router.get("/dashboard")
async def dashboard() -> FileResponse:
    """The page holds no data: it signs in with the session cookie and calls the API."""
    return FileResponse(
        STATIC / "index.html", media_type="text/html", headers={"Cache-Control": "no-store"}
    )
