"""Buying credits in the web app (headless Chromium): the account page lists what can be bought,
"Buy" goes to the Checkout URL the API returned, the return page says so, the ledger shows where
each entry came from, and "Manage billing" opens the customer portal."""

from __future__ import annotations

import time

import httpx
from billing_helpers import PACK, Billing, deliver
from browser import Session, sign_up
from stripe_events import event, paid_checkout

from roughy.config import Settings


async def test_buy_credits_and_manage_billing(
    web: Session, billing: Billing, client: httpx.AsyncClient, settings: Settings
) -> None:
    page = web.page
    billing.stripe.hosted = billing.stripe.url
    await sign_up(web, f"buyer-{time.time_ns()}@example.com")
    await page.goto("/#/account")
    buy = page.get_by_role("button", name="Buy 100 credits")
    await buy.wait_for()
    await page.get_by_role("button", name="Subscribe: 500 credits a month").wait_for()
    await web.shot("20-account-billing")

    await buy.click()
    await page.wait_for_url(f"{billing.stripe.url}/c/pay/cs_*")
    sent = billing.stripe.to("POST", "/v1/checkout/sessions")
    assert [(s.params["mode"], s.params["line_items[0][price]"]) for s in sent] == [
        ("payment", PACK)
    ]
    session_id = page.url.rsplit("/", 1)[1]
    paid = paid_checkout(session_id, sent[0].params["customer"])
    delivered = await deliver(client, billing, event("checkout.session.completed", paid))
    assert delivered.json()["outcome"] == "credited"

    # Stripe sends the browser back to the success URL it was given.
    success = sent[0].params["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
    assert success.startswith(settings.base_url)
    await page.goto(success)
    await page.get_by_text("Payment received").wait_for()
    await page.locator("#balance", has_text="100").wait_for()
    entry = page.locator("td.source", has_text="Stripe checkout")
    await entry.wait_for()
    assert session_id[:14] in await entry.inner_text()
    await web.shot("21-account-after-checkout")

    await page.get_by_role("button", name="Manage billing").click()
    await page.wait_for_url(f"{billing.stripe.url}/p/session/bps_*")
    portal = billing.stripe.to("POST", "/v1/billing_portal/sessions")[0].params
    assert portal["return_url"] == f"{settings.base_url}/#/account"
    assert web.page_errors == []


async def test_account_page_says_when_billing_is_off(web: Session) -> None:
    page = web.page
    await sign_up(web, f"nobilling-{time.time_ns()}@example.com")
    await page.goto("/#/account")
    await page.get_by_text("Buying credits online is not set up on this server.").wait_for()
    assert await page.get_by_role("button", name="Manage billing").count() == 0
