"""Upload endpoints on both surfaces.

/v1: `POST /v1/assets` opens the asset's tus upload at `/v1/uploads/{id}` (no tus creation POST
for whole files); `POST /v1/uploads` only creates concatenation parts and the final.
/api/v1: classic tus creation at `/api/v1/assets/upload-resumable`, plus the presigned PUT flow.

The tus handlers parse headers, call one `uploads.transfer` function (the unit of work of a tus
request: it owns the request's short transactions, see its docstring) and format the answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse

from roughy.assets import service as assets
from roughy.assets.schemas import Asset, AssetCreate, LegacyAssetSummary
from roughy.auth.dependencies import CurrentUser, current_user_before_body
from roughy.auth.models import User
from roughy.config import Settings
from roughy.deps import RuntimeDep, SessionDep, SettingsDep
from roughy.errors import UnsupportedMediaType
from roughy.jobs import Runtime
from roughy.kit.openapi import (
    PUBLIC_OPERATION,
    TUS_OPERATION,
    TUS_PATCH_OPERATION,
    error_responses,
)
from roughy.uploads import presigned, service, transfer
from roughy.uploads.errors import MalformedTusRequest
from roughy.uploads.models import Upload, UploadKind, UploadState
from roughy.uploads.schemas import (
    PresignedUpload,
    ResumableCreated,
    UploadUrlRequest,
    UploadUrlResponse,
)
from roughy.uploads.service import Committed
from roughy.uploads.transfer import Chunk, Created
from roughy.uploads.tus import (
    EXTENSIONS,
    LEGACY,
    OFFSET_CONTENT_TYPE,
    SURFACES,
    V1,
    Concat,
    Creation,
    Surface,
    capability_headers,
    expires_header,
    parse_checksum,
    parse_concat,
    parse_metadata,
    parse_non_negative,
    require_offset_content_type,
    require_tus_resumable,
)

public = APIRouter(tags=["Uploads"])
legacy = APIRouter(tags=["assets"])

V1_UPLOADS = V1.path
LEGACY_RESUMABLE = LEGACY.path


async def tus_user(
    _version: Annotated[None, Depends(require_tus_resumable)],
    user: Annotated[User, Depends(current_user_before_body)],
) -> User:
    """412 first, then authentication (closed before the body)."""
    return user


TusUser = Annotated[User, Depends(tus_user)]


def upload_url(settings: Settings, surface: str, upload_id: str) -> str:
    return assets.upload_url(settings, upload_id, SURFACES[surface].path)


def _state_headers(upload: Upload, settings: Settings) -> dict[str, str]:
    headers = {"Upload-Offset": str(upload.offset), "Cache-Control": "no-store"}
    if upload.length is not None:
        headers["Upload-Length"] = str(upload.length)
    else:
        headers["Upload-Defer-Length"] = "1"
    if upload.upload_metadata:
        headers["Upload-Metadata"] = upload.upload_metadata
    if upload.state == UploadState.ACTIVE:
        headers["Upload-Expires"] = expires_header(upload.expires_at)
    if upload.kind == UploadKind.PARTIAL:
        headers["Upload-Concat"] = "partial"
    elif upload.kind == UploadKind.FINAL:
        urls = " ".join(upload_url(settings, upload.surface, p) for p in upload.parts or [])
        headers["Upload-Concat"] = f"final;{urls}"
    return headers


def _progress_headers(committed: Committed) -> dict[str, str]:
    headers = {"Upload-Offset": str(committed.offset)}
    if not committed.completed:
        headers["Upload-Expires"] = expires_header(committed.expires_at)
    return headers


def _has_body(request: Request) -> bool:
    length = parse_non_negative(request.headers.get("content-length"), "Content-Length")
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    if not (length or chunked):
        return False
    require_offset_content_type(request)
    return True


def _chunk(request: Request, *, offset: int | None = None) -> Chunk:
    require_offset_content_type(request)
    if offset is None:
        offset = parse_non_negative(request.headers.get("upload-offset"), "Upload-Offset")
        if offset is None:
            raise MalformedTusRequest("Upload-Offset is required.")
    return Chunk(
        offset=offset,
        declared_length=parse_non_negative(request.headers.get("upload-length"), "Upload-Length"),
        content_length=parse_non_negative(request.headers.get("content-length"), "Content-Length"),
        checksum=parse_checksum(request.headers.get("upload-checksum")),
    )


async def _patch(
    runtime: Runtime, user: User, request: Request, upload_id: str, surface: Surface
) -> Committed:
    return await transfer.patch(runtime, user, upload_id, surface, _chunk(request), request.receive)


def _creation_length(request: Request, concat: Concat | None) -> int | None:
    length = parse_non_negative(request.headers.get("upload-length"), "Upload-Length")
    deferred = request.headers.get("upload-defer-length")
    if deferred is not None and deferred.strip() != "1":
        raise MalformedTusRequest("Upload-Defer-Length must be 1.")
    if concat is not None and concat.kind == "final":
        return None
    if (length is None) == (deferred is None):
        raise MalformedTusRequest("Send exactly one of Upload-Length and Upload-Defer-Length.")
    if length is not None:
        assets.check_upload_length(length)
    return length


async def _create(runtime: Runtime, user: User, request: Request, surface: Surface) -> Created:
    concat = parse_concat(request.headers.get("upload-concat"))
    raw_metadata = request.headers.get("upload-metadata")
    metadata = parse_metadata(raw_metadata)
    length = _creation_length(request, concat)
    body = _chunk(request, offset=0) if _has_body(request) else None
    creation = Creation(concat, length, metadata, raw_metadata)
    return await transfer.create(runtime, user, surface, creation, body, request.receive)


def _created_headers(settings: Settings, created: Created) -> dict[str, str]:
    upload = created.upload
    headers = {
        "Location": upload_url(settings, upload.surface, upload.id),
        "Upload-Expires": expires_header(upload.expires_at),
    }
    if created.committed is not None:
        headers.update(_progress_headers(created.committed))
    return headers


def _options(extensions: str) -> Response:
    return Response(status_code=204, headers=capability_headers(extensions))


@dataclass(frozen=True)
class UploadRoutes:
    """How a surface names the operations on one upload: `{prefix}_head`, `_patch`, `_delete`
    and `{prefix}_{noun}_options` (their OpenAPI operation ids), and its path parameter."""

    prefix: str
    id_param: str
    patch_doc: str | None
    delete_doc: str

    def name(self, operation: str) -> str:
        if operation == "options":
            return f"{self.prefix}_{self.id_param.removesuffix('_id')}_options"
        return f"{self.prefix}_{operation}"


def add_upload_routes(router: APIRouter, surface: Surface, names: UploadRoutes) -> None:
    """OPTIONS of the surface's upload path, then OPTIONS, HEAD, PATCH and DELETE of one upload:
    one handler each for both surfaces."""
    item = f"{surface.path}/{{{names.id_param}}}"
    upload_param = Path(alias=names.id_param)

    async def capabilities() -> Response:
        return _options(EXTENSIONS)

    async def options(upload_id: str = upload_param) -> Response:
        return _options(EXTENSIONS)

    async def head(user: TusUser, runtime: RuntimeDep, upload_id: str = upload_param) -> Response:
        upload = await transfer.current(runtime, user, upload_id, surface)
        return Response(status_code=200, headers=_state_headers(upload, runtime.settings))

    async def patch(
        request: Request, user: TusUser, runtime: RuntimeDep, upload_id: str = upload_param
    ) -> Response:
        committed = await _patch(runtime, user, request, upload_id, surface)
        return Response(status_code=204, headers=_progress_headers(committed))

    async def delete(user: TusUser, runtime: RuntimeDep, upload_id: str = upload_param) -> Response:
        await transfer.terminate(runtime, user, upload_id, surface)
        return Response(status_code=204)

    patch_errors = (400, 403, 404, 408, 409, 410, 412, 413, 415, 423, 460)
    operations: tuple[tuple[str, Callable[..., Awaitable[Response]], dict[str, Any]], ...] = (
        ("options", options, {"status_code": 204, "openapi_extra": PUBLIC_OPERATION}),
        ("head", head, {"responses": error_responses(404, 410, 412, 423, **TUS_CODES)}),
        ("patch", patch, {
            "status_code": 204,
            "description": names.patch_doc,
            "openapi_extra": TUS_PATCH_OPERATION,
            "responses": error_responses(*patch_errors, s409=PATCH_CONFLICTS, **TUS_CODES),
        }),
        ("delete", delete, {
            "status_code": 204,
            "description": names.delete_doc,
            "responses": error_responses(404, 412),
        }),
    )  # fmt: skip
    router.add_api_route(
        surface.path,
        capabilities,
        methods=["OPTIONS"],
        name=f"{names.prefix}_options",
        status_code=204,
        openapi_extra=PUBLIC_OPERATION,
    )
    for operation, handler, options_of in operations:
        router.add_api_route(
            item,
            handler,
            methods=[operation.upper()],
            name=names.name(operation),
            **{"openapi_extra": TUS_OPERATION, **options_of},
        )


# ---------------------------------------------------------------------------------------------
# /v1

PATCH_CONFLICTS = (
    "offset_mismatch: Upload-Offset is not the upload's offset (ask with HEAD); "
    "not_media: the first bytes are not audio or video (the upload is cancelled); "
    "upload_complete: the upload already has all its bytes"
)
TUS_CODES = {
    "s410": "upload_expired: the upload expired; start a new one",
    "s423": "upload_locked: another request is writing this upload; honour Retry-After",
}


@public.post(
    "/v1/assets",
    status_code=201,
    response_model=Asset,
    tags=["Assets"],
    responses=error_responses(402, 404, 413),
)
async def create_asset(
    body: AssetCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """Create an asset and open its tus upload: PATCH the bytes to `upload_url` (= Location)."""
    asset, upload = await service.open_for_new_asset(session, user, body, settings)
    detail = assets.public_detail(asset, settings)
    return JSONResponse(
        detail.model_dump(mode="json"),
        status_code=201,
        headers={"Location": upload_url(settings, V1.name, upload.id)},
    )


add_upload_routes(
    public, V1, UploadRoutes("v1", "upload_id", None, "Cancel the upload: the asset is removed.")
)


@public.post(
    V1_UPLOADS,
    status_code=201,
    responses=error_responses(400, 402, 404, 409, 412, 413),
    openapi_extra=TUS_OPERATION,
)
async def v1_create_part(request: Request, user: TusUser, runtime: RuntimeDep) -> Response:
    """Concatenation only: `Upload-Concat: partial` parts, then `final;<urls>` with metadata
    `asset_id` naming the pending asset whose upload the parts become."""
    created = await _create(runtime, user, request, V1)
    return Response(status_code=201, headers=_created_headers(runtime.settings, created))


# ---------------------------------------------------------------------------------------------
# /api/v1


add_upload_routes(
    legacy,
    LEGACY,
    UploadRoutes(
        "legacy",
        "session_id",
        "Append a chunk (at most 64 MiB per request).",
        "Cancel the upload and soft-delete its asset. Idempotent.",
    ),
)


@legacy.post(
    LEGACY_RESUMABLE,
    status_code=201,
    response_model=ResumableCreated,
    responses=error_responses(400, 402, 404, 409, 412, 413),
    openapi_extra=TUS_OPERATION,
)
async def legacy_create(request: Request, user: TusUser, runtime: RuntimeDep) -> JSONResponse:
    """tus creation. Upload-Metadata: `type` (audio|video, required), `content_type`, `filename`."""
    created = await _create(runtime, user, request, LEGACY)
    upload = created.upload
    asset = assets.legacy_summary(created.asset) if created.asset is not None else None
    body = ResumableCreated(asset=asset, session_id=upload.id, expires_at=upload.expires_at)
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=201,
        headers=_created_headers(runtime.settings, created),
    )


@legacy.post("/api/v1/assets/upload-url", response_model=UploadUrlResponse)
async def create_upload_url(
    body: UploadUrlRequest, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> object:
    """Presigned flow, step 1: PUT the file to `upload.url` within 15 minutes, then confirm."""
    asset, url, expires_at = await presigned.open_presigned(
        session, user, type=body.type, content_type=body.content_type, settings=settings
    )
    return UploadUrlResponse(
        asset=assets.legacy_summary(asset),
        upload=PresignedUpload(
            url=url,
            headers={"Content-Type": body.content_type or "application/octet-stream"},
            expires_at=expires_at,
        ),
    )


@legacy.put("/api/v1/uploads/presigned/{token}", include_in_schema=False)
async def presigned_put(token: str, request: Request, runtime: RuntimeDep) -> Response:
    """Presigned flow, step 2: the signed URL is the credential."""
    asset_id, content_type = presigned.verify_presigned(runtime.settings, token)
    sent = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/octet-stream" and sent != content_type.lower():
        raise UnsupportedMediaType(f"Send the file with Content-Type: {content_type}.")
    if sent == OFFSET_CONTENT_TYPE:
        raise UnsupportedMediaType("Use tus PATCH requests for resumable uploads.")
    length = parse_non_negative(request.headers.get("content-length"), "Content-Length")
    await transfer.presigned_put(runtime, asset_id, request.receive, length)
    return Response(status_code=200)


@legacy.post("/api/v1/assets/{asset_id}/confirm", response_model=LegacyAssetSummary)
async def confirm_upload(
    asset_id: str, user: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> object:
    """Presigned flow, step 3: the bytes are in; preparation starts."""
    asset = await assets.confirm_presigned(session, user.id, asset_id, runtime.storage)
    return assets.legacy_summary(asset)
