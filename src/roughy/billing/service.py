"""Billing rules: checkout and portal sessions, and what each Stripe webhook event does.

Who gets credits is decided only from Roughy's own records: the customer id Roughy created for a
user, and the checkout sessions it opened. An event naming someone else's customer, or a session
Roughy never opened, credits nobody.

Subscriptions: the paid invoice is the one source of plan credits, the first invoice
(`subscription_create`) as well as every renewal (`subscription_cycle`). The
`checkout.session.completed` of a subscription only records the subscription, so the first
month is never granted twice, whichever of the two events arrives first.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from roughy.auth.models import User
from roughy.billing import payloads
from roughy.billing import repository as repo
from roughy.billing.errors import BillingDisabled, UnknownPrice
from roughy.billing.models import BillingCustomer, CheckoutSession, Payment, Subscription
from roughy.billing.payloads import Event
from roughy.billing.provider import CheckoutOrder, PaymentProvider, StripeProvider
from roughy.config import Settings, StripeProduct
from roughy.credits import service as credits
from roughy.credits.schemas import EntrySource
from roughy.errors import FieldError
from roughy.kit.clock import utcnow

log = logging.getLogger(__name__)
PLAN_INVOICE_REASONS = frozenset({"subscription_create", "subscription_cycle"})


def payment_provider(settings: Settings, *, for_webhooks: bool = False) -> PaymentProvider:
    """Stripe, when billing is on and configured; otherwise `billing_disabled`."""
    config = settings.stripe
    if not settings.billing_enabled or config.secret_key is None:
        raise BillingDisabled()
    if for_webhooks and config.webhook_secret is None:
        raise BillingDisabled("Stripe webhooks are not configured on this server.")
    return StripeProvider(config)


# ---------------------------------------------------------------------------------------------
# Checkout and portal


async def _customer_id(session: AsyncSession, provider: PaymentProvider, user: User) -> str:
    """The user's Stripe customer, created on first use."""
    await repo.lock_customer_creation(session, user.id)
    existing = await repo.customer_of(session, user.id)
    if existing is not None:
        return existing
    created = await provider.create_customer(user_id=user.id, email=user.email)
    await repo.add(session, BillingCustomer(user_id=user.id, stripe_customer_id=created))
    return created


def prices(settings: Settings) -> list[tuple[str, StripeProduct]]:
    """What can be bought, packs first, then by credits."""
    return sorted(
        settings.stripe.prices.items(), key=lambda item: (item[1].kind != "pack", item[1].credits)
    )


def _product(settings: Settings, price_id: str) -> StripeProduct:
    product = settings.stripe.prices.get(price_id)
    if product is None:
        raise UnknownPrice(fields=[FieldError("body.price_id", "This price is not sold here.")])
    return product


async def start_checkout(
    session: AsyncSession, provider: PaymentProvider, settings: Settings, user: User, price_id: str
) -> str:
    """A Stripe Checkout session for one pack (one-off payment) or plan (subscription); what it
    buys is fixed now, in Roughy's own record of the session."""
    product = _product(settings, price_id)
    order = CheckoutOrder(
        customer_id=await _customer_id(session, provider, user),
        user_id=user.id,
        price_id=price_id,
        mode="payment" if product.kind == "pack" else "subscription",
        success_url=settings.base_url + settings.stripe.success_path,
        cancel_url=settings.base_url + settings.stripe.cancel_path,
    )
    created = await provider.create_checkout(order)
    await repo.add(
        session,
        CheckoutSession(
            id=created.id,
            user_id=user.id,
            price_id=price_id,
            kind=product.kind,
            credits=product.credits,
        ),
    )
    return created.url


async def open_portal(
    session: AsyncSession, provider: PaymentProvider, settings: Settings, user: User
) -> str:
    return await provider.create_portal(
        customer_id=await _customer_id(session, provider, user),
        return_url=settings.base_url + settings.stripe.portal_return_path,
    )


# ---------------------------------------------------------------------------------------------
# Webhooks


@dataclass(frozen=True)
class _Context:
    session: AsyncSession
    provider: PaymentProvider
    settings: Settings


Handler = Callable[[_Context, Event], Awaitable[str]]


class _NoEffect(Exception):
    """The event does nothing; `outcome` says why."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


async def receive_webhook(
    session: AsyncSession,
    provider: PaymentProvider,
    settings: Settings,
    payload: bytes,
    signature: str | None,
) -> str:
    """Verify, then handle each event id once; returns what the event did."""
    event = payloads.parse_event(provider.verified_event(payload, signature))
    if not await repo.claim_event(session, event.id, event.type):
        outcome = "duplicate"
    else:
        handler = HANDLERS.get(event.type)
        context = _Context(session, provider, settings)
        try:
            outcome = await handler(context, event) if handler else "ignored"
        except _NoEffect as skipped:
            outcome = skipped.outcome
        await repo.set_event_outcome(session, event.id, outcome)
    log.info("stripe event %s (%s): %s", event.id, event.type, outcome)
    return outcome


async def _owner(session: AsyncSession, customer_id: str | None) -> str | None:
    return await repo.owner_of_customer(session, customer_id) if customer_id else None


async def _belongs_to(session: AsyncSession, customer_id: str | None, user_id: str) -> bool:
    return user_id == await _owner(session, customer_id)


async def _credit(
    context: _Context,
    user_id: str,
    amount: int,
    *,
    source: EntrySource,
    reference: str,
    payment_intent_id: str | None,
) -> str:
    session = context.session
    claimed = await repo.claim_payment(
        session,
        reference=reference,
        user_id=user_id,
        payment_intent_id=payment_intent_id,
        credits=amount,
    )
    if not claimed:
        return "duplicate"
    # grant() also defers assets.activate_pending_payment (oldest first) in this transaction.
    await credits.grant(
        session,
        user_id,
        amount,
        memo="Stripe payment",
        source=source,
        reference=reference,
        stripe_invoice_id=reference if source is EntrySource.STRIPE_INVOICE else None,
    )
    return "credited"


async def _checkout_completed(context: _Context, event: Event) -> str:
    completed = payloads.completed_checkout(event.object)
    checkout = await repo.checkout_for_update(context.session, completed.session_id)
    if checkout is None:
        return "unknown_session"
    if not await _belongs_to(context.session, completed.customer_id, checkout.user_id):
        return "customer_mismatch"
    if completed.mode == "subscription":
        # Plan credits come from the subscription's paid invoices only (see the module doc).
        if completed.subscription_id is not None:
            await repo.subscription_for_update(
                context.session, completed.subscription_id, checkout.user_id
            )
        checkout.completed_at = utcnow()
        return "subscription_recorded"
    if not completed.paid:
        return "not_paid"  # a delayed payment method: async_payment_succeeded follows
    checkout.completed_at = utcnow()
    return await _credit(
        context,
        checkout.user_id,
        checkout.credits,
        source=EntrySource.STRIPE_CHECKOUT,
        reference=checkout.id,
        payment_intent_id=completed.payment_intent_id,
    )


async def _customers_subscription(
    context: _Context, customer_id: str | None, subscription_id: str
) -> Subscription:
    """The subscription, locked, when it is (or becomes) that of the customer's user."""
    user_id = await _owner(context.session, customer_id)
    if user_id is None:
        raise _NoEffect("unknown_customer")
    subscription = await repo.subscription_for_update(context.session, subscription_id, user_id)
    if subscription.user_id != user_id:
        raise _NoEffect("customer_mismatch")
    return subscription


def _plan_credits(settings: Settings, lines: tuple[payloads.PlanLine, ...]) -> int:
    total = 0
    for line in lines:
        product = settings.stripe.prices.get(line.price_id)
        if product is not None and product.kind == "plan":
            total += product.credits * line.quantity
    return total


async def _invoice_paid(context: _Context, event: Event) -> str:
    invoice = payloads.paid_invoice(event.object)
    if invoice.subscription_id is None or invoice.billing_reason not in PLAN_INVOICE_REASONS:
        return "ignored"
    subscription = await _customers_subscription(
        context, invoice.customer_id, invoice.subscription_id
    )
    if subscription.ended_at is not None and invoice.created >= subscription.ended_at:
        return "subscription_ended_before"
    amount = _plan_credits(context.settings, invoice.lines)
    if amount <= 0:
        return "no_plan_lines"
    return await _credit(
        context,
        subscription.user_id,
        amount,
        source=EntrySource.STRIPE_INVOICE,
        reference=invoice.invoice_id,
        payment_intent_id=invoice.payment_intent_id,
    )


async def _payment_of(context: _Context, charge: payloads.RefundedCharge) -> Payment | None:
    session = context.session
    if charge.payment_intent_id is not None:
        found = await repo.payment_for_update(session, payment_intent_id=charge.payment_intent_id)
        if found is not None:
            return found
    invoice_id = charge.invoice_id
    if invoice_id is None and charge.payment_intent_id is not None:
        invoice_id = await context.provider.invoice_paid_by(charge.payment_intent_id)
    if invoice_id is None:
        return None
    return await repo.payment_for_update(session, reference=invoice_id)


def _credits_refunded(credits_bought: int, amount: int, amount_refunded: int) -> int:
    """The share of the credits that the refunded share of the money bought (rounded down:
    a partial refund never takes back more than it paid for)."""
    if amount <= 0 or amount_refunded >= amount:
        return credits_bought
    return credits_bought * amount_refunded // amount


async def _charge_refunded(context: _Context, event: Event) -> str:
    charge = payloads.refunded_charge(event.object)
    payment = await _payment_of(context, charge)
    if payment is None:
        return "not_ours"
    if not await _belongs_to(context.session, charge.customer_id, payment.user_id):
        return "customer_mismatch"
    owed = _credits_refunded(payment.credits, charge.amount, charge.amount_refunded)
    taken = owed - payment.credits_refunded
    if taken <= 0:
        return "nothing_to_refund"
    payment.credits_refunded = owed
    await credits.take_back_refunded(
        context.session,
        payment.user_id,
        taken,
        source=EntrySource.STRIPE_REFUND,
        reference=charge.charge_id,
    )
    return "refunded"


async def _subscription_deleted(context: _Context, event: Event) -> str:
    ended = payloads.ended_subscription(event.object)
    subscription = await _customers_subscription(context, ended.customer_id, ended.subscription_id)
    subscription.ended_at = ended.ended_at or event.created
    return "subscription_ended"


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_completed,
    "invoice.paid": _invoice_paid,
    "charge.refunded": _charge_refunded,
    "customer.subscription.deleted": _subscription_deleted,
}
