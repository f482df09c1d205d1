from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from stripe_events import signature
from stripe_fake import FakeStripe, start_fake_stripe

from roughy.config import Settings, StripeProduct, StripeSettings
from support import Account

PACK = "price_pack_100"
PLAN = "price_plan_monthly_500"


@dataclass(frozen=True)
class Billing:
    stripe: FakeStripe
    secret_key: str
    webhook_secret: str


@pytest.fixture
def billing(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[Billing]:
    """Billing switched on against a fake Stripe (the live server shares this settings object)."""
    fake = start_fake_stripe()
    secret_key = "sk_test_51RoughyNeverShowThisKey0123456789"
    webhook_secret = "whsec_RoughyNeverShowThisSecret0123456789"
    config = StripeSettings(
        secret_key=SecretStr(secret_key),
        webhook_secret=SecretStr(webhook_secret),
        api_base=fake.url,
        prices={
            PACK: StripeProduct(kind="pack", credits=100),
            PLAN: StripeProduct(kind="plan", credits=500),
        },
    )
    monkeypatch.setattr(settings, "stripe", config)
    monkeypatch.setattr(settings, "billing_enabled", True)
    yield Billing(stripe=fake, secret_key=secret_key, webhook_secret=webhook_secret)
    fake.close()


async def checkout(
    client: httpx.AsyncClient, billing: Billing, account: Account, price_id: str
) -> tuple[str, str]:
    """Open a checkout through the API; (checkout session id, the user's Stripe customer)."""
    response = await client.post(
        "/api/v1/billing/checkout", json={"price_id": price_id}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    session_id = response.json()["url"].rsplit("/", 1)[1]
    sent = billing.stripe.to("POST", "/v1/checkout/sessions")[-1]
    return session_id, sent.params["customer"]


async def deliver(
    client: httpx.AsyncClient, billing: Billing, payload: bytes, *, at: int | None = None
) -> httpx.Response:
    return await client.post(
        "/v1/billing/webhook",
        content=payload,
        headers={
            "Stripe-Signature": signature(payload, billing.webhook_secret, at=at),
            "Content-Type": "application/json; charset=utf-8",
        },
    )


async def ledger(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    response = await client.get("/v1/credits/history?limit=100", headers=account.headers)
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def balance(client: httpx.AsyncClient, account: Account) -> int:
    response = await client.get("/v1/credits/balance", headers=account.headers)
    return int(response.json()["balance"])
