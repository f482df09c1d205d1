from __future__ import annotations

from datetime import datetime

from pydantic import EmailStr, Field

from roughy.kit.schemas import Schema


class SignupRequest(Schema):
    email: EmailStr
    password: str = Field(min_length=8, max_length=128)


class SignupResponse(Schema):
    id: str
    email: str
    email_verified_at: datetime | None
    created_at: datetime


class VerifyEmailRequest(Schema):
    token: str = Field(min_length=16, max_length=256)


class ResendVerificationRequest(Schema):
    email: EmailStr


class LoginRequest(Schema):
    email: EmailStr
    password: str = Field(min_length=1, max_length=128)


class LoginResponse(Schema):
    user_id: str
    email: str
    email_verified_at: datetime | None
    api_key: str
    api_key_expires_at: datetime


class LegacyUser(Schema):
    """`/api/v1/users/me`."""

    id: str
    email: str
    first_name: str | None
    last_name: str | None
    two_factor_enabled: bool
    deleted_at: datetime | None
    created_at: datetime


class LegacyUserUpdate(Schema):
    first_name: str | None = Field(default=None, max_length=120)
    last_name: str | None = Field(default=None, max_length=120)
    two_factor_enabled: bool | None = None


class User(Schema):
    """`/v1/users/me`."""

    id: str
    email: str
    name: str | None
    email_verified_at: datetime | None
    deleted_at: datetime | None
    created_at: datetime


class ApiKeyCreate(Schema):
    name: str = Field(min_length=1, max_length=120)


class ApiKeyOut(Schema):
    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    plaintext: str


class ApiKeyList(Schema):
    items: list[ApiKeyOut]
