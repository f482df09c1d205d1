"""Accounts and credentials: the rules. Never commits; the caller owns the transaction."""

from __future__ import annotations

import logging
import secrets as pysecrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.auth import repository as repo
from roughy.auth.errors import EmailTaken, InvalidCredentials
from roughy.auth.models import ApiKey, EmailVerification, User
from roughy.auth.secrets import (
    API_KEY_PREFIX,
    SESSION_KEY_PREFIX,
    display_prefix,
    hash_password,
    hash_token,
    mint_key,
    verify_password,
)
from roughy.errors import BadRequest, NotFound
from roughy.kit.clock import utcnow

log = logging.getLogger(__name__)

SESSION_TTL = timedelta(hours=24)
VERIFICATION_TTL = timedelta(days=2)
DELETION_GRACE = timedelta(days=30)
TOUCH_EVERY = timedelta(seconds=30)
KIND_API = "api"
KIND_SESSION = "session"


@dataclass(frozen=True)
class Principal:
    """Who is calling, and with which credential."""

    user: User
    key_id: str
    key_kind: str


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    plaintext: str


async def create_user(
    session: AsyncSession,
    email: str,
    password: str | None,
    *,
    verified: bool = False,
    name: str | None = None,
) -> User:
    if await repo.get_user_by_email(session, email) is not None:
        raise EmailTaken()
    user = User(
        email=email.lower(),
        password_hash=hash_password(password) if password else None,
        name=name,
        email_verified_at=utcnow() if verified else None,
    )
    await repo.add(session, user)
    return user


async def require_user_by_email(session: AsyncSession, email: str) -> User:
    user = await repo.get_user_by_email(session, email)
    if user is None:
        raise NotFound(f"No user with email {email}.")
    return user


async def start_email_verification(session: AsyncSession, user: User, base_url: str) -> str:
    token = pysecrets.token_urlsafe(32)
    await repo.add(
        session,
        EmailVerification(
            user_id=user.id, token_hash=hash_token(token), expires_at=utcnow() + VERIFICATION_TTL
        ),
    )
    # No mail transport is configured in the embedded default: the link goes to the log.
    log.info(
        "email verification link",
        extra={"user_id": user.id, "link": f"{base_url}/verify-email?token={token}"},
    )
    return token


async def verify_email(session: AsyncSession, token: str) -> User:
    verification = await repo.get_verification(session, hash_token(token))
    now = utcnow()
    if verification is None or verification.used_at is not None or verification.expires_at < now:
        raise BadRequest("Invalid or expired verification token.", code="invalid_token")
    verification.used_at = now
    user = await repo.get_user(session, verification.user_id)
    assert user is not None
    user.email_verified_at = user.email_verified_at or now
    return user


async def mark_verified(session: AsyncSession, email: str) -> User:
    user = await require_user_by_email(session, email)
    user.email_verified_at = user.email_verified_at or utcnow()
    return user


async def set_password(session: AsyncSession, email: str, password: str) -> User:
    """Replace the password; open web sessions end (API keys keep working)."""
    user = await require_user_by_email(session, email)
    user.password_hash = hash_password(password)
    await repo.revoke_all_keys(session, user.id, utcnow(), kind=KIND_SESSION)
    return user


async def login(session: AsyncSession, email: str, password: str) -> IssuedKey:
    user = await repo.get_user_by_email(session, email)
    if user is None or not verify_password(user.password_hash, password):
        raise InvalidCredentials()
    return await issue_key(session, user, name="login session", kind=KIND_SESSION)


async def issue_key(
    session: AsyncSession, user: User, *, name: str, kind: str, prefix: str | None = None
) -> IssuedKey:
    plaintext = mint_key(prefix or (SESSION_KEY_PREFIX if kind == KIND_SESSION else API_KEY_PREFIX))
    key = ApiKey(
        user_id=user.id,
        name=name,
        kind=kind,
        prefix=display_prefix(plaintext),
        key_hash=hash_token(plaintext),
        expires_at=utcnow() + SESSION_TTL if kind == KIND_SESSION else None,
    )
    await repo.add(session, key)
    return IssuedKey(key=key, plaintext=plaintext)


async def authenticate(session: AsyncSession, plaintext: str) -> Principal | None:
    key = await repo.get_key_by_hash(session, hash_token(plaintext))
    now = utcnow()
    if key is None or key.revoked_at is not None:
        return None
    if key.expires_at is not None and key.expires_at < now:
        return None
    user = await repo.get_user(session, key.user_id)
    if user is None:
        return None
    if key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY:
        sliding = now + SESSION_TTL if key.kind == KIND_SESSION else None
        await repo.touch_key(session, key.id, now, sliding)
    return Principal(user=user, key_id=key.id, key_kind=key.kind)


async def logout(session: AsyncSession, plaintext: str | None) -> None:
    if not plaintext:
        return
    key = await repo.get_key_by_hash(session, hash_token(plaintext))
    if key is not None and key.kind == KIND_SESSION and key.revoked_at is None:
        key.revoked_at = utcnow()


async def list_api_keys(session: AsyncSession, user: User) -> list[ApiKey]:
    return await repo.list_keys(session, user.id, KIND_API)


async def revoke_api_key(session: AsyncSession, user: User, key_id: str) -> ApiKey:
    key = await repo.get_key(session, user.id, key_id)
    if key is None or key.kind != KIND_API:
        raise NotFound("API key not found.")
    key.revoked_at = key.revoked_at or utcnow()
    return key


async def update_profile(session: AsyncSession, user: User, changes: dict[str, object]) -> User:
    for field in ("first_name", "last_name", "two_factor_enabled"):
        if field in changes and not (field == "two_factor_enabled" and changes[field] is None):
            setattr(user, field, changes[field])
    return user


async def soft_delete(session: AsyncSession, user: User) -> User:
    user.deleted_at = user.deleted_at or utcnow()
    return user


async def restore(session: AsyncSession, user: User) -> User:
    user.deleted_at = None
    return user


def deletion_cutoff(now: datetime) -> datetime:
    return now - DELETION_GRACE


async def accounts_due_for_purge(session: AsyncSession) -> list[User]:
    return await repo.users_deleted_before(session, deletion_cutoff(utcnow()))


async def anonymise(session: AsyncSession, user: User) -> None:
    """End of the deletion grace: the account keeps its id (the ledger refers to it) and nothing
    else. Its keys stop working and its email can be registered again."""
    user.email = f"deleted-{user.id}@invalid"
    user.password_hash = None
    user.name = user.first_name = user.last_name = None
    await repo.revoke_all_keys(session, user.id, utcnow())
