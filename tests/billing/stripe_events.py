"""Stripe webhook events as Stripe sends them: the event envelope around the object (shapes of
the `stripe` library's pinned API version), signed with the endpoint secret the way Stripe signs
(`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import stripe
from stripe_fake import stripe_id


def event(event_type: str, obj: dict[str, Any], *, event_id: str | None = None) -> bytes:
    body = {
        "id": event_id or stripe_id("evt"),
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    return json.dumps(body, indent=2).encode()


def signature(payload: bytes, secret: str, *, at: int | None = None) -> str:
    timestamp = int(time.time()) if at is None else at
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def paid_checkout(
    session_id: str, customer: str, *, mode: str = "payment", paid: bool = True
) -> dict[str, Any]:
    subscription = stripe_id("sub") if mode == "subscription" else None
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_total": 1000,
        "currency": "usd",
        "customer": customer,
        "mode": mode,
        "payment_intent": stripe_id("pi") if mode == "payment" else None,
        "payment_status": "paid" if paid else "unpaid",
        "status": "complete",
        "subscription": subscription,
        "invoice": None,
        "metadata": {},
        "livemode": False,
    }


def paid_invoice(
    customer: str,
    subscription: str,
    price: str,
    *,
    reason: str = "subscription_create",
    created: int | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "id": stripe_id("in"),
        "object": "invoice",
        "amount_paid": 2000,
        "billing_reason": reason,
        "created": int(time.time()) if created is None else created,
        "currency": "usd",
        "customer": customer,
        "status": "paid",
        "metadata": metadata or {},
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"subscription": subscription, "metadata": metadata or {}},
        },
        "lines": {
            "object": "list",
            "has_more": False,
            "data": [
                {
                    "id": stripe_id("il"),
                    "object": "line_item",
                    "amount": 2000,
                    "currency": "usd",
                    "quantity": 1,
                    "pricing": {
                        "type": "price_details",
                        "price_details": {"price": price, "product": stripe_id("prod")},
                        "unit_amount_decimal": "2000",
                    },
                    "parent": {
                        "type": "subscription_item_details",
                        "subscription_item_details": {
                            "proration": False,
                            "subscription": subscription,
                            "subscription_item": stripe_id("si"),
                        },
                    },
                }
            ],
        },
        "livemode": False,
    }


def refunded_charge(
    customer: str, payment_intent: str, *, amount: int = 1000, refunded: int = 1000
) -> dict[str, Any]:
    return {
        "id": stripe_id("ch"),
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": refunded,
        "currency": "usd",
        "customer": customer,
        "paid": True,
        "payment_intent": payment_intent,
        "refunded": refunded >= amount,
        "livemode": False,
    }


def deleted_subscription(customer: str, subscription: str, *, ended: int) -> dict[str, Any]:
    return {
        "id": subscription,
        "object": "subscription",
        "customer": customer,
        "status": "canceled",
        "canceled_at": ended,
        "ended_at": ended,
        "livemode": False,
    }
