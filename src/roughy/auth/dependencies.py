"""Authentication of every request: `Authorization: Bearer <key>`, else the session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from roughy.auth import service
from roughy.auth.errors import AccountDeleted
from roughy.auth.models import User
from roughy.auth.service import Principal
from roughy.deps import RuntimeDep, SessionDep
from roughy.errors import Unauthenticated

SESSION_COOKIE = "roughy_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALLOWED_WHILE_DELETED = ("/api/v1/users/me", "/api/v1/auth/logout")


def presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization must be 'Bearer <api key>'.")
        return token.strip()
    return request.cookies.get(SESSION_COOKIE)


async def current_principal(request: Request, session: SessionDep) -> Principal:
    token = presented_token(request)
    if not token:
        raise Unauthenticated()
    principal = await service.authenticate(session, token)
    if principal is None:
        raise Unauthenticated("Invalid, expired or revoked API key.")
    if (
        principal.user.deleted_at is not None
        and request.method not in SAFE_METHODS
        and not request.url.path.startswith(ALLOWED_WHILE_DELETED)
    ):
        raise AccountDeleted()
    return principal


async def current_user(principal: Annotated[Principal, Depends(current_principal)]) -> User:
    return principal.user


async def current_user_before_body(request: Request, runtime: RuntimeDep) -> User:
    """For requests that stream a body (tus): authentication in a transaction of its own, closed
    before the body is read, so no transaction stays open while gigabytes arrive."""
    async with runtime.db.transaction() as session:
        principal = await current_principal(request, session)
    return principal.user


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
CurrentUser = Annotated[User, Depends(current_user)]
