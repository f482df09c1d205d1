"""Signed, expiring download URLs served by Roughy itself (`GET /files/{token}`).

The token is `base64url(json payload) . base64url(HMAC-SHA256)`; the payload names the key, the
expiry, and how to present the file (content type and download name).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class SignedFile:
    key: str
    expires_at: int
    content_type: str
    filename: str


def attachment(filename: str) -> str:
    """`Content-Disposition` of a download named `filename` (ASCII fallback + RFC 5987 name)."""
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_file(secret: bytes, file: SignedFile) -> str:
    payload = json.dumps(
        {"k": file.key, "e": file.expires_at, "t": file.content_type, "n": file.filename},
        separators=(",", ":"),
    ).encode()
    signature = hmac.new(secret, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature)}"


def verify_file_token(secret: bytes, token: str, *, now: float | None = None) -> SignedFile | None:
    try:
        payload_b64, signature_b64 = token.split(".", 1)
        payload = _unb64(payload_b64)
        signature = _unb64(signature_b64)
    except ValueError:
        return None
    expected = hmac.new(secret, payload, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        return None
    data = json.loads(payload)
    file = SignedFile(
        key=data["k"], expires_at=int(data["e"]), content_type=data["t"], filename=data["n"]
    )
    if file.expires_at < (time.time() if now is None else now):
        return None
    return file


def signed_download_url(
    base_url: str,
    secret: bytes,
    *,
    key: str,
    content_type: str,
    filename: str,
    ttl_seconds: int,
) -> tuple[str, int]:
    """A URL served by Roughy's `/files/{token}` route, and when it stops working (unix time)."""
    expires_at = int(time.time()) + ttl_seconds
    token = sign_file(
        secret,
        SignedFile(key=key, expires_at=expires_at, content_type=content_type, filename=filename),
    )
    return f"{base_url.rstrip('/')}/files/{token}", expires_at
