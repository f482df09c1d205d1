"""Checkout and portal through the real `stripe` library against a Stripe-shaped server."""

from __future__ import annotations

import logging

import httpx
import pytest
from billing_helpers import PACK, PLAN, Billing, checkout

from roughy.config import Settings
from support import Account


async def test_pack_checkout_creates_the_customer_once_and_a_payment_session(
    client: httpx.AsyncClient, billing: Billing, account: Account, settings: Settings
) -> None:
    session_id, customer = await checkout(client, billing, account, PACK)

    created = billing.stripe.to("POST", "/v1/customers")
    assert len(created) == 1
    assert created[0].params["email"] == account.email
    assert created[0].params["metadata[roughy_user_id]"] == account.user_id
    assert created[0].headers["idempotency-key"] == f"roughy-customer-{account.user_id}"
    sent = billing.stripe.to("POST", "/v1/checkout/sessions")[0].params
    assert sent["mode"] == "payment"
    assert sent["customer"] == customer
    assert sent["client_reference_id"] == account.user_id
    assert (sent["line_items[0][price]"], sent["line_items[0][quantity]"]) == (PACK, "1")
    assert sent["success_url"] == (
        f"{settings.base_url}/?checkout=success&session_id={{CHECKOUT_SESSION_ID}}#/account"
    )
    assert sent["cancel_url"] == f"{settings.base_url}/?checkout=cancelled#/account"
    assert session_id.startswith("cs_")

    again = await client.post(
        "/v1/billing/checkout", json={"price_id": PLAN}, headers=account.headers
    )
    assert again.status_code == 200
    assert len(billing.stripe.to("POST", "/v1/customers")) == 1
    plan = billing.stripe.to("POST", "/v1/checkout/sessions")[1].params
    assert (plan["mode"], plan["customer"]) == ("subscription", customer)


async def test_prices_list_packs_then_plans(
    client: httpx.AsyncClient, billing: Billing, account: Account
) -> None:
    for path in ("/v1/billing/prices", "/api/v1/billing/prices"):
        response = await client.get(path, headers=account.headers)
        assert response.status_code == 200
        assert response.json() == {
            "items": [
                {"price_id": PACK, "kind": "pack", "credits": 100},
                {"price_id": PLAN, "kind": "plan", "credits": 500},
            ]
        }


async def test_portal_returns_stripe_url_for_the_users_customer(
    client: httpx.AsyncClient, billing: Billing, account: Account, settings: Settings
) -> None:
    for path in ("/api/v1/billing/portal", "/v1/billing/portal"):
        response = await client.post(path, headers=account.headers)
        assert response.status_code == 200
        assert response.json()["url"].startswith("https://billing.stripe.com/p/session/bps_")
    portals = billing.stripe.to("POST", "/v1/billing_portal/sessions")
    customers = billing.stripe.to("POST", "/v1/customers")
    assert len(customers) == 1
    assert [p.params["return_url"] for p in portals] == [f"{settings.base_url}/#/account"] * 2
    assert len({p.params["customer"] for p in portals}) == 1


async def test_unknown_price_is_422_and_reaches_no_stripe(
    client: httpx.AsyncClient, billing: Billing, account: Account
) -> None:
    response = await client.post(
        "/v1/billing/checkout", json={"price_id": "price_not_sold"}, headers=account.headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_price"
    assert response.json()["error"]["fields"][0]["field"] == "body.price_id"
    assert billing.stripe.requests == []


async def test_anonymous_checkout_is_401(client: httpx.AsyncClient, billing: Billing) -> None:
    response = await client.post("/v1/billing/checkout", json={"price_id": PACK})
    assert response.status_code == 401


@pytest.mark.parametrize("switch", ["billing_off", "no_key"])
async def test_billing_switched_off_answers_billing_disabled(
    client: httpx.AsyncClient,
    account: Account,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    switch: str,
) -> None:
    if switch == "billing_off":
        monkeypatch.setattr(settings, "billing_enabled", False)
    # (the session's settings have no Stripe key configured at all)
    checkout_v1 = await client.post(
        "/v1/billing/checkout", json={"price_id": PACK}, headers=account.headers
    )
    assert checkout_v1.status_code == 409
    assert checkout_v1.json()["error"]["code"] == "billing_disabled"
    legacy = await client.post("/api/v1/billing/portal", headers=account.headers)
    assert (legacy.status_code, legacy.json()["code"]) == (409, "billing_disabled")
    listing = await client.get("/v1/billing/prices", headers=account.headers)
    assert (listing.status_code, listing.json()["error"]["code"]) == (409, "billing_disabled")
    hook = await client.post("/v1/billing/webhook", content=b"{}")
    assert (hook.status_code, hook.json()["error"]["code"]) == (409, "billing_disabled")
    assert (await client.get("/v1/credits/balance", headers=account.headers)).status_code == 200


async def test_stripe_failure_is_502_without_the_key_in_response_or_logs(
    client: httpx.AsyncClient,
    billing: Billing,
    account: Account,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    billing.stripe.fail_with = 401
    response = await client.post(
        "/v1/billing/checkout", json={"price_id": PACK}, headers=account.headers
    )
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "payment_provider_unavailable"
    sent = billing.stripe.to("POST", "/v1/customers")[0]
    assert sent.headers["authorization"] == f"Bearer {billing.secret_key}"
    assert billing.secret_key not in response.text
    assert "stripe customer create failed: AuthenticationError" in caplog.text
    assert billing.secret_key not in caplog.text
    assert billing.secret_key[-12:] not in caplog.text
