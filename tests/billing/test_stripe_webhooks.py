"""Signed Stripe webhooks: what each event does to the ledger, once per event id, for the right
user only."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import httpx
import pytest
from billing_helpers import PACK, PLAN, Billing, balance, checkout, deliver, ledger
from sqlalchemy import func, select
from stripe_events import (
    deleted_subscription,
    event,
    paid_checkout,
    paid_invoice,
    refunded_charge,
    signature,
)
from stripe_fake import stripe_id

from media import seed_asset
from roughy.assets.models import Asset
from roughy.billing.models import StripeEvent
from roughy.jobs import Runtime
from support import Account, create_account, make_tone_audio, wait_until


def _topups(entries: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e for e in entries if e["type"] == "topup" and e["source"] != "operator"]


async def _asset_state(runtime: Runtime, asset_id: str) -> str:
    async with runtime.db.transaction() as session:
        state = await session.scalar(select(Asset.state).where(Asset.id == asset_id))
    return str(state)


async def test_paid_checkout_tops_up_once_and_activates_pending_payment_asset(
    client: httpx.AsyncClient, billing: Billing, runtime: Runtime, tmp_path: Path
) -> None:
    account = await create_account(runtime, credits_granted=0)
    clip = make_tone_audio(tmp_path / "tone.wav", seconds=1.0)
    waiting = await seed_asset(
        runtime, account.user_id, clip, state="pending_payment", with_analysis_audio=False
    )
    session_id, customer = await checkout(client, billing, account, PACK)
    payload = event("checkout.session.completed", paid_checkout(session_id, customer))

    first = await deliver(client, billing, payload)
    assert first.status_code == 200
    assert first.json() == {"received": True, "outcome": "credited"}

    async def activated() -> bool:
        return await _asset_state(runtime, waiting.id) == "ready"

    await wait_until(activated)
    again = await deliver(client, billing, payload)
    assert again.json() == {"received": True, "outcome": "duplicate"}
    entries = await ledger(client, account)
    topups = _topups(entries)
    assert [(e["delta"], e["source"], e["reference"]) for e in topups] == [
        (100, "stripe_checkout", session_id)
    ]
    charge = [e for e in entries if e["type"] == "consume_asset"]
    assert [(e["source"], e["reference"]) for e in charge] == [("asset", waiting.id)]
    assert await balance(client, account) == 100 - 1


async def test_delayed_payment_is_credited_when_it_succeeds(
    client: httpx.AsyncClient, billing: Billing, runtime: Runtime
) -> None:
    account = await create_account(runtime, credits_granted=0)
    session_id, customer = await checkout(client, billing, account, PACK)
    pending = paid_checkout(session_id, customer, paid=False)
    answer = await deliver(client, billing, event("checkout.session.completed", pending))
    assert answer.json()["outcome"] == "not_paid"
    assert await balance(client, account) == 0
    succeeded = dict(pending, payment_status="paid")
    answer = await deliver(
        client, billing, event("checkout.session.async_payment_succeeded", succeeded)
    )
    assert answer.json()["outcome"] == "credited"
    assert await balance(client, account) == 100


async def test_tampered_stale_or_missing_signature_is_400_and_changes_nothing(
    client: httpx.AsyncClient, billing: Billing, account: Account, runtime: Runtime
) -> None:
    session_id, customer = await checkout(client, billing, account, PACK)
    payload = event("checkout.session.completed", paid_checkout(session_id, customer))
    before = await ledger(client, account)
    tampered = payload.replace(b'"amount_total": 1000', b'"amount_total": 9000')
    assert tampered != payload
    stale_at = int(time.time()) - 301
    attempts = [
        (tampered, signature(payload, billing.webhook_secret)),
        (payload, signature(payload, billing.webhook_secret, at=stale_at)),
        (payload, signature(payload, "whsec_someone_elses_secret")),
        (payload, None),
    ]
    for body, header in attempts:
        headers = {"Content-Type": "application/json"}
        if header is not None:
            headers["Stripe-Signature"] = header
        response = await client.post("/v1/billing/webhook", content=body, headers=headers)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_signature"
    assert await ledger(client, account) == before
    async with runtime.db.transaction() as session:
        assert (
            await session.scalar(
                select(func.count())
                .select_from(StripeEvent)
                .where(StripeEvent.id == __import__("json").loads(payload)["id"])
            )
            == 0
        )


async def test_refund_takes_back_the_refunded_share_once(
    client: httpx.AsyncClient, billing: Billing, runtime: Runtime
) -> None:
    account = await create_account(runtime, credits_granted=0)
    session_id, customer = await checkout(client, billing, account, PACK)
    paid = paid_checkout(session_id, customer)
    await deliver(client, billing, event("checkout.session.completed", paid))
    intent = str(paid["payment_intent"])

    half = refunded_charge(customer, intent, amount=1000, refunded=500)
    half_event = event("charge.refunded", half)
    assert (await deliver(client, billing, half_event)).json()["outcome"] == "refunded"
    assert (await deliver(client, billing, half_event)).json()["outcome"] == "duplicate"
    whole = dict(half, refunded=True, amount_refunded=1000)
    assert (await deliver(client, billing, event("charge.refunded", whole))).json()[
        "outcome"
    ] == "refunded"

    refunds = [e for e in await ledger(client, account) if e["type"] == "refund"]
    assert [(e["delta"], e["source"], e["reference"]) for e in refunds] == [
        (-50, "stripe_refund", half["id"]),
        (-50, "stripe_refund", half["id"]),
    ]
    assert await balance(client, account) == 0


async def test_subscription_invoices_are_the_only_source_of_plan_credits(
    client: httpx.AsyncClient, billing: Billing, runtime: Runtime
) -> None:
    account = await create_account(runtime, credits_granted=0)
    session_id, customer = await checkout(client, billing, account, PLAN)
    completed = paid_checkout(session_id, customer, mode="subscription")
    subscription = str(completed["subscription"])
    first_invoice = paid_invoice(customer, subscription, PLAN)

    # The first invoice may arrive before the checkout that started the subscription.
    outcome = (await deliver(client, billing, event("invoice.paid", first_invoice))).json()
    assert outcome["outcome"] == "credited"
    outcome = await deliver(client, billing, event("checkout.session.completed", completed))
    assert outcome.json()["outcome"] == "subscription_recorded"
    renewal = paid_invoice(customer, subscription, PLAN, reason="subscription_cycle")
    assert (await deliver(client, billing, event("invoice.paid", renewal))).json()[
        "outcome"
    ] == "credited"

    ended_at = int(time.time())
    deleted = deleted_subscription(customer, subscription, ended=ended_at)
    ending = await deliver(client, billing, event("customer.subscription.deleted", deleted))
    assert ending.json()["outcome"] == "subscription_ended"
    late = paid_invoice(
        customer, subscription, PLAN, reason="subscription_cycle", created=ended_at + 5
    )
    refused = await deliver(client, billing, event("invoice.paid", late))
    assert refused.json()["outcome"] == "subscription_ended_before"

    topups = _topups(await ledger(client, account))
    assert sorted((e["delta"], e["source"], e["reference"]) for e in topups) == sorted(
        [
            (500, "stripe_invoice", first_invoice["id"]),
            (500, "stripe_invoice", renewal["id"]),
        ]
    )
    assert {e["stripe_invoice_id"] for e in topups} == {first_invoice["id"], renewal["id"]}


async def test_refund_of_a_subscription_invoice_is_found_through_stripe(
    client: httpx.AsyncClient, billing: Billing, runtime: Runtime
) -> None:
    account = await create_account(runtime, credits_granted=0)
    _, customer = await checkout(client, billing, account, PLAN)
    invoice = paid_invoice(customer, stripe_id("sub"), PLAN)
    await deliver(client, billing, event("invoice.paid", invoice))
    intent = stripe_id("pi")
    billing.stripe.invoice_of_intent[intent] = str(invoice["id"])

    refund = await deliver(
        client, billing, event("charge.refunded", refunded_charge(customer, intent))
    )
    assert refund.json()["outcome"] == "refunded"
    lookup = billing.stripe.to("GET", "/v1/invoice_payments")
    assert lookup[0].params["payment[payment_intent]"] == intent
    assert await balance(client, account) == 0


async def test_another_users_customer_never_receives_the_credits(
    client: httpx.AsyncClient, billing: Billing, runtime: Runtime
) -> None:
    buyer = await create_account(runtime, credits_granted=0)
    other = await create_account(runtime, credits_granted=0)
    session_id, buyer_customer = await checkout(client, billing, buyer, PACK)
    _, other_customer = await checkout(client, billing, other, PACK)

    # The buyer's session completed with another customer: nobody is credited.
    swapped = paid_checkout(session_id, other_customer)
    answer = await deliver(client, billing, event("checkout.session.completed", swapped))
    assert answer.json()["outcome"] == "customer_mismatch"
    # An invoice for the buyer's customer that claims to be for the other user credits the buyer.
    claim = {"roughy_user_id": other.user_id}
    invoice = paid_invoice(buyer_customer, stripe_id("sub"), PLAN, metadata=claim)
    assert (await deliver(client, billing, event("invoice.paid", invoice))).json()[
        "outcome"
    ] == "credited"
    # A customer Roughy never created gets nothing.
    stranger = paid_invoice(stripe_id("cus"), stripe_id("sub"), PLAN)
    assert (await deliver(client, billing, event("invoice.paid", stranger))).json()[
        "outcome"
    ] == "unknown_customer"

    assert _topups(await ledger(client, other)) == []
    assert [e["reference"] for e in _topups(await ledger(client, buyer))] == [invoice["id"]]


async def test_secrets_never_appear_in_responses_or_logs(
    client: httpx.AsyncClient,
    billing: Billing,
    account: Account,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    session_id, customer = await checkout(client, billing, account, PACK)
    payload = event("checkout.session.completed", paid_checkout(session_id, customer))
    bodies.append((await deliver(client, billing, payload)).text)
    bodies.append((await client.post("/v1/billing/portal", headers=account.headers)).text)
    bodies.append((await client.post("/v1/billing/webhook", content=payload)).text)
    bodies.append((await client.get("/v1/openapi.json")).text)
    for secret in (billing.secret_key, billing.webhook_secret):
        assert all(secret not in body for body in bodies)
        assert secret not in caplog.text
    assert "stripe event" in caplog.text
