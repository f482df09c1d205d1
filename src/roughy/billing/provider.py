"""The payment provider behind billing: a small protocol, and its Stripe implementation on the
official `stripe` library (async, over httpx). Nothing here logs or returns a secret."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import stripe

from roughy.billing.errors import InvalidSignature, MalformedEvent, PaymentProviderUnavailable
from roughy.config import StripeSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckoutOrder:
    customer_id: str
    user_id: str
    price_id: str
    mode: str  # "payment" (a credit pack) or "subscription" (a plan)
    success_url: str
    cancel_url: str


@dataclass(frozen=True)
class CreatedCheckout:
    id: str
    url: str


class PaymentProvider(Protocol):
    async def create_customer(self, *, user_id: str, email: str) -> str: ...

    async def create_checkout(self, order: CheckoutOrder) -> CreatedCheckout: ...

    async def create_portal(self, *, customer_id: str, return_url: str) -> str: ...

    async def invoice_paid_by(self, payment_intent_id: str) -> str | None: ...

    def verified_event(self, payload: bytes, signature: str | None) -> Any: ...


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str | None, timeout: float) -> stripe.StripeClient:
    """One client (and connection pool) per configuration."""
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        http_client=stripe.HTTPXClient(timeout=timeout),
        max_network_retries=2,
    )


def _failed(action: str, error: stripe.StripeError) -> PaymentProviderUnavailable:
    # The error's text can quote part of the API key: log its kind and ids only.
    log.warning(
        "stripe %s failed: %s (status %s, code %s, request %s)",
        action,
        type(error).__name__,
        error.http_status,
        error.code,
        error.request_id,
    )
    return PaymentProviderUnavailable()


class StripeProvider:
    def __init__(self, config: StripeSettings) -> None:
        if config.secret_key is None:
            raise ValueError("StripeProvider needs a secret key")
        self._client = _client(
            config.secret_key.get_secret_value(), config.api_base, config.timeout_seconds
        )
        self._webhook_secret = config.webhook_secret
        self._tolerance = config.webhook_tolerance_seconds

    async def create_customer(self, *, user_id: str, email: str) -> str:
        try:
            customer = await self._client.v1.customers.create_async(
                {"email": email, "metadata": {"roughy_user_id": user_id}},
                # A retried request (or a racing one) gets the same customer back.
                {"idempotency_key": f"roughy-customer-{user_id}"},
            )
        except stripe.StripeError as error:
            raise _failed("customer create", error) from error
        return str(customer.id)

    async def create_checkout(self, order: CheckoutOrder) -> CreatedCheckout:
        metadata = {"roughy_user_id": order.user_id, "roughy_price_id": order.price_id}
        params: dict[str, Any] = {
            "mode": order.mode,
            "customer": order.customer_id,
            "client_reference_id": order.user_id,
            "line_items": [{"price": order.price_id, "quantity": 1}],
            "success_url": order.success_url,
            "cancel_url": order.cancel_url,
            "metadata": metadata,
        }
        if order.mode == "subscription":
            params["subscription_data"] = {"metadata": metadata}
        else:
            params["payment_intent_data"] = {"metadata": metadata}
        try:
            session = await self._client.v1.checkout.sessions.create_async(params)  # type: ignore[arg-type]
        except stripe.StripeError as error:
            raise _failed("checkout create", error) from error
        if not session.url:
            raise PaymentProviderUnavailable()
        return CreatedCheckout(id=str(session.id), url=str(session.url))

    async def create_portal(self, *, customer_id: str, return_url: str) -> str:
        try:
            portal = await self._client.v1.billing_portal.sessions.create_async(
                {"customer": customer_id, "return_url": return_url}
            )
        except stripe.StripeError as error:
            raise _failed("portal create", error) from error
        return str(portal.url)

    async def invoice_paid_by(self, payment_intent_id: str) -> str | None:
        """The invoice a payment intent paid (invoices no longer carry their payment intent)."""
        try:
            found = await self._client.v1.invoice_payments.list_async(
                {
                    "payment": {"type": "payment_intent", "payment_intent": payment_intent_id},
                    "limit": 1,
                }
            )
        except stripe.StripeError as error:
            raise _failed("invoice payment lookup", error) from error
        return str(found.data[0].invoice) if found.data else None

    def verified_event(self, payload: bytes, signature: str | None) -> Any:
        """The event as plain JSON, once Stripe's `Stripe-Signature` (`t=…,v1=…`: HMAC-SHA256
        of `t.payload` with the endpoint secret, `t` within the tolerance) vouches for it."""
        secret = self._webhook_secret.get_secret_value() if self._webhook_secret else None
        try:
            text = payload.decode("utf-8")
            stripe.WebhookSignature.verify_header(text, signature, secret, self._tolerance)
        except (UnicodeDecodeError, stripe.SignatureVerificationError) as error:
            raise InvalidSignature() from error
        try:
            return json.loads(text)
        except ValueError as error:
            raise MalformedEvent() from error
