"""tus 1.0.0 protocol details: header parsing and the capability headers. No I/O here."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Literal

from fastapi import Request

from roughy.assets.service import MAX_UPLOAD_BYTES
from roughy.errors import PreconditionFailed, UnsupportedMediaType
from roughy.kit.schemas import NUL_MESSAGE, contains_nul
from roughy.uploads.errors import TUS_VERSION, MalformedTusRequest

OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
CHECKSUM_ALGORITHMS = ("sha1", "md5", "sha256")
EXTENSIONS = (
    "creation,creation-with-upload,creation-defer-length,termination,expiration,checksum,"
    "concatenation"
)
LEGACY_MAX_CHUNK = 64 * 1024 * 1024


@dataclass(frozen=True)
class Surface:
    """What differs between the two tus routes; one core serves both."""

    name: str
    """Stored in `uploads.surface`: an upload is only ever served by its own surface."""
    path: str
    max_request_bytes: int | None
    creates_assets: bool
    """Classic tus creation opens an asset (/api/v1); /v1 assets come from `POST /v1/assets`."""
    final_is_pending_asset: bool
    """/v1: a final upload becomes the pending asset named by the `asset_id` metadata key."""
    soft_deletes: bool
    """DELETE soft-deletes the asset and is idempotent (/api/v1); /v1 removes it."""


V1 = Surface(
    "v1",
    "/v1/uploads",
    max_request_bytes=None,
    creates_assets=False,
    final_is_pending_asset=True,
    soft_deletes=False,
)
LEGACY = Surface(
    "legacy",
    "/api/v1/assets/upload-resumable",
    max_request_bytes=LEGACY_MAX_CHUNK,
    creates_assets=True,
    final_is_pending_asset=False,
    soft_deletes=True,
)
SURFACES = {surface.name: surface for surface in (V1, LEGACY)}
_METADATA_KEY = re.compile(r"^[!#-+\--~]+$")  # printable ASCII without space and comma


def capability_headers(extensions: str) -> dict[str, str]:
    return {
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": extensions,
        "Tus-Max-Size": str(MAX_UPLOAD_BYTES),
        "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
    }


def require_tus_resumable(request: Request) -> None:
    """Dependency: every tus request except OPTIONS names the protocol version (else 412)."""
    if request.headers.get("tus-resumable", "").strip() != TUS_VERSION:
        raise PreconditionFailed(
            "Tus-Resumable header missing or wrong version.", headers={"Tus-Version": TUS_VERSION}
        )


def expires_header(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def parse_non_negative(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    text = value.strip()
    if not text.isdigit() or len(text) > 20:
        raise MalformedTusRequest(f"{name} must be a non-negative integer.")
    return int(text)


def require_offset_content_type(request: Request) -> None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != OFFSET_CONTENT_TYPE:
        raise UnsupportedMediaType(f"Content-Type must be {OFFSET_CONTENT_TYPE}.")


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes

    def hasher(self) -> hashlib._Hash:
        return hashlib.new(self.algorithm)


def parse_checksum(value: str | None) -> Checksum | None:
    if value is None:
        return None
    algorithm, _, encoded = value.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise MalformedTusRequest(
            f"Unsupported checksum algorithm; use one of {', '.join(CHECKSUM_ALGORITHMS)}."
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedTusRequest("Upload-Checksum must be '<algorithm> <base64 digest>'.") from exc
    if len(digest) != hashlib.new(algorithm).digest_size:
        raise MalformedTusRequest("Upload-Checksum digest has the wrong length.")
    return Checksum(algorithm, digest)


def parse_metadata(value: str | None) -> dict[str, str | None]:
    """`key b64value, key2, ...` -> {key: decoded text or None}. Malformed -> 400."""
    if value is None or not value.strip():
        return {}
    result: dict[str, str | None] = {}
    for pair in value.split(","):
        parts = pair.strip().split(" ")
        if not parts or len(parts) > 2 or not _METADATA_KEY.match(parts[0]):
            raise MalformedTusRequest("Upload-Metadata must be comma-separated 'key base64' pairs.")
        key = parts[0]
        if key in result:
            raise MalformedTusRequest(f"Upload-Metadata repeats the key {key!r}.")
        if len(parts) == 1:
            result[key] = None
            continue
        try:
            decoded = base64.b64decode(parts[1], validate=True).decode("utf-8")
        except (binascii.Error, ValueError) as exc:
            raise MalformedTusRequest(f"Upload-Metadata value of {key!r} is not base64.") from exc
        if contains_nul(decoded):
            raise MalformedTusRequest(f"Upload-Metadata {key!r} {NUL_MESSAGE}.")
        result[key] = decoded
    return result


def sanitize_filename(name: str | None) -> str | None:
    """Keep only the last path component, printable, no leading dots, at most 255 chars."""
    if not name:
        return None
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    base = base.lstrip(".").strip()
    return base[:255] or None


@dataclass(frozen=True)
class Concat:
    kind: Literal["partial", "final"]
    part_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Creation:
    """A tus creation request's headers, parsed."""

    concat: Concat | None
    length: int | None
    metadata: dict[str, str | None]
    raw_metadata: str | None

    @property
    def is_final(self) -> bool:
        return self.concat is not None and self.concat.kind == "final"


def parse_concat(value: str | None) -> Concat | None:
    if value is None:
        return None
    text = value.strip()
    if text == "partial":
        return Concat("partial")
    if text.startswith("final;"):
        urls = text[len("final;") :].split()
        ids = tuple(url.rstrip("/").rsplit("/", 1)[-1] for url in urls)
        if not ids or any(not part for part in ids):
            raise MalformedTusRequest("Upload-Concat: final needs the partial upload URLs.")
        return Concat("final", ids)
    raise MalformedTusRequest("Upload-Concat must be 'partial' or 'final;<urls>'.")
