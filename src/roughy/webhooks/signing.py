"""Svix-compatible signatures: `v1,<base64 HMAC-SHA256("{id}.{timestamp}.{body}")>` keyed with the
base64-decoded part of the `whsec_…` secret after the prefix."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    to_sign = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "svix-id": message_id,
        "svix-timestamp": str(timestamp),
        "svix-signature": sign(secret, message_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": "Roughy-Webhooks/1",
    }
