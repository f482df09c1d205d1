"""`/v1/billing` and `/api/v1/billing`: checkout and portal (same bodies on both), and the one
Stripe webhook endpoint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from roughy.auth.dependencies import CurrentUser
from roughy.billing import service
from roughy.billing.provider import PaymentProvider
from roughy.billing.schemas import (
    CheckoutCreate,
    PriceList,
    PriceOut,
    RedirectUrl,
    WebhookReceipt,
)
from roughy.deps import SessionDep, SettingsDep
from roughy.kit.openapi import PUBLIC_OPERATION, error_responses

public = APIRouter(prefix="/v1/billing", tags=["Billing"])
legacy = APIRouter(prefix="/api/v1/billing", tags=["billing"])

DISABLED = "billing_disabled: billing is switched off (or Stripe is not configured)"
UPSTREAM = "payment_provider_unavailable: Stripe did not answer"


def _provider(settings: SettingsDep) -> PaymentProvider:
    return service.payment_provider(settings)


def _webhook_provider(settings: SettingsDep) -> PaymentProvider:
    return service.payment_provider(settings, for_webhooks=True)


# The user comes first, so an anonymous call is 401 whether or not billing is on.
Provider = Annotated[PaymentProvider, Depends(_provider)]


async def list_prices(user: CurrentUser, provider: Provider, settings: SettingsDep) -> object:
    items = [
        PriceOut(price_id=price_id, kind=product.kind, credits=product.credits)
        for price_id, product in service.prices(settings)
    ]
    return PriceList(items=items)


async def create_checkout(
    body: CheckoutCreate,
    user: CurrentUser,
    provider: Provider,
    session: SessionDep,
    settings: SettingsDep,
) -> object:
    url = await service.start_checkout(session, provider, settings, user, body.price_id)
    return RedirectUrl(url=url)


async def create_portal(
    user: CurrentUser, provider: Provider, session: SessionDep, settings: SettingsDep
) -> object:
    return RedirectUrl(url=await service.open_portal(session, provider, settings, user))


for router in (public, legacy):
    router.add_api_route(
        "/prices",
        list_prices,
        methods=["GET"],
        response_model=PriceList,
        responses=error_responses(409, s409=DISABLED),
        summary="What can be bought",
        description="The credit packs and plans this server sells (`price_id` for checkout); "
        "409 `billing_disabled` when billing is off, so a client can hide its buy buttons.",
    )
    router.add_api_route(
        "/checkout",
        create_checkout,
        methods=["POST"],
        response_model=RedirectUrl,
        responses=error_responses(409, 502, s409=DISABLED, s422="validation_error, unknown_price"),
        summary="Start a Stripe Checkout",
        description="A Stripe Checkout session for one credit pack (one-off payment) or plan "
        "(monthly subscription), whichever the server maps `price_id` to. Redirect the user to "
        "`url`; the credits arrive as a `topup` ledger entry once Stripe reports the payment. "
        "The user's Stripe customer is created on first use.",
    )
    router.add_api_route(
        "/portal",
        create_portal,
        methods=["POST"],
        response_model=RedirectUrl,
        responses=error_responses(409, 502, s409=DISABLED),
        summary="Open the Stripe customer portal",
        description="Invoices, payment methods and subscription changes, on Stripe's page; it "
        "returns to the app when done. The user's Stripe customer is created on first use.",
    )


@public.post(
    "/webhook",
    response_model=WebhookReceipt,
    responses=error_responses(
        400,
        409,
        s400="invalid_signature (missing, tampered or older than the tolerance), malformed_event",
        s409="billing_disabled: Stripe webhooks are not configured",
    ),
    summary="Stripe webhook receiver",
    description="For Stripe only (configure it as the endpoint's URL, with the events "
    "`checkout.session.completed`, `checkout.session.async_payment_succeeded`, `invoice.paid`, "
    "`charge.refunded`, `customer.subscription.deleted`). Authenticated by the "
    "`Stripe-Signature` header instead of a key. Each event id is handled once: a paid "
    "checkout of a credit pack and every paid subscription invoice add a `topup` (the "
    "subscription's checkout itself adds nothing, so its first invoice is not counted twice); "
    "a refunded charge adds a negative `refund` for the refunded share; a deleted "
    "subscription gets no further credits. A top-up activates `pending_payment` assets, "
    "oldest first.",
    openapi_extra={
        **PUBLIC_OPERATION,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "description": "A Stripe event exactly as Stripe sent it (the "
                        "signature covers these bytes).",
                    }
                }
            },
        },
    },
)
async def stripe_webhook(
    request: Request,
    provider: Annotated[PaymentProvider, Depends(_webhook_provider)],
    session: SessionDep,
    settings: SettingsDep,
    stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> object:
    payload = await request.body()
    outcome = await service.receive_webhook(session, provider, settings, payload, stripe_signature)
    return WebhookReceipt(received=True, outcome=outcome)
