"""Quotes: usage units, credits per unit, the canonical pipeline shape and the pricing token.

A pricing token is an HS256 JWT (5-minute TTL) binding the user, the quoted total, the input asset
(when one was given) and a SHA-256 of the canonical pipeline shape: the input asset and every
step's processor and fully-defaulted config. Creating a pipeline re-verifies all of it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import jwt

from roughy.config import Settings
from roughy.kit.clock import utcnow
from roughy.kit.ids import new_id
from roughy.pipelines.errors import (
    InvalidPricingToken,
    PricingTokenExpired,
)

TOKEN_TTL = timedelta(minutes=5)
TOKEN_TYPE = "pipeline_pricing"
ALGORITHM = "HS256"
MICROS = Decimal(1_000_000)
UNIT_QUANTUM = Decimal("0.001")


def rate(settings: Settings, processor_name: str) -> Decimal:
    if processor_name == "cut":
        return Decimal(settings.pricing.cut_per_second)
    return Decimal(settings.pricing.render_per_second)


def units_from_us(duration_us: int) -> Decimal:
    """Seconds as a decimal with millisecond precision, rounded up (never under-bill)."""
    seconds = Decimal(duration_us) / MICROS
    return seconds.quantize(UNIT_QUANTUM, rounding="ROUND_CEILING")


def credits(units: Decimal, per_unit: Decimal) -> int:
    return max(0, math.ceil(units * per_unit))


def decimal_string(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." in text else f"{text}.0"


def shape_hash(input_asset_id: str | None, steps: Sequence[tuple[str, dict[str, Any]]]) -> str:
    canonical = json.dumps(
        {
            "input_asset_id": input_asset_id,
            "steps": [{"processor_name": name, "config": config} for name, config in steps],
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    total_credits: int
    shape_hash: str
    input_asset_id: str | None
    expires_at: datetime
    token_id: str
    """Unique per quote: a token creates one pipeline."""


def issue_token(
    key: bytes,
    *,
    user_id: str,
    total_credits: int,
    shape: str,
    input_asset_id: str | None,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    issued = now or utcnow()
    expires = issued + TOKEN_TTL
    payload = {
        "typ": TOKEN_TYPE,
        "sub": user_id,
        "total": total_credits,
        "shape": shape,
        "asset": input_asset_id,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": new_id(),
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM), expires.replace(microsecond=0)


def verify_token(key: bytes, token: str) -> TokenClaims:
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise PricingTokenExpired() from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidPricingToken() from exc
    try:
        if payload.get("typ") != TOKEN_TYPE:
            raise ValueError("wrong token type")
        asset = payload.get("asset")
        return TokenClaims(
            user_id=str(payload["sub"]),
            total_credits=int(payload["total"]),
            shape_hash=str(payload["shape"]),
            input_asset_id=None if asset is None else str(asset),
            expires_at=datetime.fromtimestamp(int(payload["exp"])).astimezone(),
            token_id=str(payload["jti"])[:64],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidPricingToken() from exc
