"""Key, token and password handling. Only hashes are ever stored."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

API_KEY_PREFIX = "sk_"
LEGACY_API_KEY_PREFIX = "rk_live_"
SESSION_KEY_PREFIX = "rk_sess_"
KEY_PREFIXES = (API_KEY_PREFIX, LEGACY_API_KEY_PREFIX, SESSION_KEY_PREFIX)

_hasher = PasswordHasher()
# Verifying against this keeps "no such user" as slow as "wrong password".
_DUMMY_HASH = _hasher.hash("roughy-timing-equaliser")


def mint_key(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def display_prefix(plaintext: str) -> str:
    for prefix in KEY_PREFIXES:
        if plaintext.startswith(prefix):
            return plaintext[: len(prefix) + 8]
    return plaintext[:8]


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
