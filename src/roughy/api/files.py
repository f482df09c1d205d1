"""Signed, expiring downloads of stored blobs, with HTTP Range support."""

from __future__ import annotations

import re
from collections.abc import Iterator

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from roughy.deps import SettingsDep, StorageDep
from roughy.errors import NotFound, RoughyError
from roughy.storage import StorageKeyError
from roughy.storage.signing import attachment, verify_file_token

router = APIRouter(include_in_schema=False)
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(RoughyError):
    code, status, default_message = "range_not_satisfiable", 416, "Range not satisfiable."


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    match = RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable(headers={"Content-Range": f"bytes */{size}"})
    return start, end


@router.api_route("/files/{token}", methods=["GET", "HEAD"])
async def download(
    token: str, request: Request, settings: SettingsDep, storage: StorageDep
) -> Response:
    file = verify_file_token(settings.signing_key, token)
    if file is None:
        raise NotFound("This link is invalid or has expired.")
    try:
        size = await anyio.to_thread.run_sync(storage.size, file.key)
    except StorageKeyError as exc:
        raise NotFound("The file no longer exists.") from exc
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": attachment(file.filename),
        "Cache-Control": "private, no-store",
    }
    byte_range = _parse_range(request.headers.get("range", ""), size) if size else None
    start, end, status = (0, size - 1, 200) if byte_range is None else (*byte_range, 206)
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1 if size else 0)
    if request.method == "HEAD" or size == 0:
        return Response(status_code=status, headers=headers, media_type=file.content_type)

    def chunks() -> Iterator[bytes]:
        yield from storage.iter_range(file.key, start, end)

    return StreamingResponse(
        chunks(), status_code=status, headers=headers, media_type=file.content_type
    )
