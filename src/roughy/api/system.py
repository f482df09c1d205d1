from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from roughy.deps import RuntimeDep

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(runtime: RuntimeDep) -> JSONResponse:
    try:
        await runtime.db.ping()
    except Exception as exc:  # the point of this endpoint is to report, not to raise
        return JSONResponse({"status": "unavailable", "reason": type(exc).__name__}, 503)
    return JSONResponse({"status": "ready"})
