from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from roughy.auth import service
from roughy.auth.dependencies import SESSION_COOKIE, CurrentPrincipal, CurrentUser, presented_token
from roughy.auth.errors import SessionRequired
from roughy.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyOut,
    LegacyUser,
    LegacyUserUpdate,
    LoginRequest,
    LoginResponse,
    ResendVerificationRequest,
    SignupRequest,
    SignupResponse,
    User,
    VerifyEmailRequest,
)
from roughy.auth.secrets import LEGACY_API_KEY_PREFIX
from roughy.deps import SessionDep, SettingsDep
from roughy.kit.openapi import PUBLIC_OPERATION, error_responses

legacy = APIRouter(prefix="/api/v1")
public = APIRouter(prefix="/v1", tags=["Users"], responses=error_responses())


@legacy.post(
    "/auth/signup",
    status_code=201,
    response_model=SignupResponse,
    tags=["auth"],
    openapi_extra=PUBLIC_OPERATION,
)
async def signup(body: SignupRequest, session: SessionDep, settings: SettingsDep) -> object:
    user = await service.create_user(session, body.email, body.password)
    await service.start_email_verification(session, user, settings.base_url)
    return user


@legacy.post(
    "/auth/verify-email",
    response_model=SignupResponse,
    tags=["auth"],
    openapi_extra=PUBLIC_OPERATION,
)
async def verify_email(body: VerifyEmailRequest, session: SessionDep) -> object:
    return await service.verify_email(session, body.token)


@legacy.post(
    "/auth/resend-verification",
    status_code=202,
    response_class=Response,
    responses={202: {"description": "Accepted, whether or not the address is known (no body)."}},
    tags=["auth"],
    openapi_extra=PUBLIC_OPERATION,
)
async def resend_verification(
    body: ResendVerificationRequest, session: SessionDep, settings: SettingsDep
) -> Response:
    user = await service.repo.get_user_by_email(session, body.email)
    if user is not None and user.email_verified_at is None:
        await service.start_email_verification(session, user, settings.base_url)
    return Response(status_code=202)


@legacy.post(
    "/auth/login", response_model=LoginResponse, tags=["auth"], openapi_extra=PUBLIC_OPERATION
)
async def login(
    body: LoginRequest, session: SessionDep, response: Response, settings: SettingsDep
) -> object:
    issued = await service.login(session, body.email, body.password)
    assert issued.key.expires_at is not None
    response.set_cookie(
        SESSION_COOKIE,
        issued.plaintext,
        max_age=int(service.SESSION_TTL.total_seconds()),
        httponly=True,
        secure=settings.environment == "production",
        samesite="lax",
    )
    user = await service.repo.get_user(session, issued.key.user_id)
    assert user is not None
    return LoginResponse(
        user_id=user.id,
        email=user.email,
        email_verified_at=user.email_verified_at,
        api_key=issued.plaintext,
        api_key_expires_at=issued.key.expires_at,
    )


@legacy.post("/auth/logout", status_code=204, tags=["auth"], openapi_extra=PUBLIC_OPERATION)
async def logout(request: Request, session: SessionDep) -> Response:
    await service.logout(session, presented_token(request))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@legacy.get("/users/me", response_model=LegacyUser, tags=["users"])
async def legacy_me(user: CurrentUser) -> object:
    return user


@legacy.patch("/users/me", response_model=LegacyUser, tags=["users"])
async def update_me(
    body: LegacyUserUpdate, principal: CurrentPrincipal, session: SessionDep
) -> object:
    if principal.key_kind != service.KIND_SESSION:
        raise SessionRequired()
    return await service.update_profile(
        session, principal.user, body.model_dump(exclude_unset=True)
    )


@legacy.delete("/users/me", status_code=204, tags=["users"])
async def delete_me(user: CurrentUser, session: SessionDep) -> Response:
    await service.soft_delete(session, user)
    return Response(status_code=204)


@legacy.post("/users/me/restore", response_model=LegacyUser, tags=["users"])
async def restore_me(user: CurrentUser, session: SessionDep) -> object:
    return await service.restore(session, user)


@legacy.post("/api-keys", status_code=201, response_model=ApiKeyCreated, tags=["api-keys"])
async def create_api_key(body: ApiKeyCreate, user: CurrentUser, session: SessionDep) -> object:
    issued = await service.issue_key(
        session, user, name=body.name, kind=service.KIND_API, prefix=LEGACY_API_KEY_PREFIX
    )
    return ApiKeyCreated(
        **ApiKeyOut.model_validate(issued.key, from_attributes=True).model_dump(),
        plaintext=issued.plaintext,
    )


@legacy.get("/api-keys", response_model=ApiKeyList, tags=["api-keys"])
async def list_api_keys(user: CurrentUser, session: SessionDep) -> object:
    keys = await service.list_api_keys(session, user)
    return ApiKeyList(items=[ApiKeyOut.model_validate(k, from_attributes=True) for k in keys])


@legacy.delete("/api-keys/{api_key_id}", status_code=204, tags=["api-keys"])
async def revoke_api_key(api_key_id: str, user: CurrentUser, session: SessionDep) -> Response:
    await service.revoke_api_key(session, user, api_key_id)
    return Response(status_code=204)


@public.get("/users/me", response_model=User)
async def me(user: CurrentUser) -> object:
    return user


__all__ = ["legacy", "public", "status"]
