from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from roughy.billing.models import (
    BillingCustomer,
    CheckoutSession,
    Payment,
    StripeEvent,
    Subscription,
)
from roughy.kit.db import advisory_xact_lock
from roughy.kit.repository import add as add  # the one add(), shared by every domain

CUSTOMER_LOCK_NAMESPACE = 7102


async def lock_customer_creation(session: AsyncSession, user_id: str) -> None:
    await advisory_xact_lock(session, CUSTOMER_LOCK_NAMESPACE, user_id)


async def customer_of(session: AsyncSession, user_id: str) -> str | None:
    return await session.scalar(
        select(BillingCustomer.stripe_customer_id).where(BillingCustomer.user_id == user_id)
    )


async def owner_of_customer(session: AsyncSession, customer_id: str) -> str | None:
    return await session.scalar(
        select(BillingCustomer.user_id).where(BillingCustomer.stripe_customer_id == customer_id)
    )


async def claim_event(session: AsyncSession, event_id: str, event_type: str) -> bool:
    """Record the event as handled; False when it was (a concurrent delivery waits here until
    the first one commits, then sees it)."""
    result = await session.execute(
        insert(StripeEvent)
        .values(id=event_id, type=event_type, outcome="processing")
        .on_conflict_do_nothing(index_elements=[StripeEvent.id])
        .returning(StripeEvent.id)
    )
    return result.scalar_one_or_none() is not None


async def set_event_outcome(session: AsyncSession, event_id: str, outcome: str) -> None:
    await session.execute(
        update(StripeEvent).where(StripeEvent.id == event_id).values(outcome=outcome)
    )


async def checkout_for_update(session: AsyncSession, session_id: str) -> CheckoutSession | None:
    return await session.scalar(
        select(CheckoutSession).where(CheckoutSession.id == session_id).with_for_update()
    )


async def payment_for_update(
    session: AsyncSession, *, reference: str | None = None, payment_intent_id: str | None = None
) -> Payment | None:
    query = select(Payment).with_for_update()
    if reference is not None:
        query = query.where(Payment.reference == reference)
    elif payment_intent_id is not None:
        query = query.where(Payment.payment_intent_id == payment_intent_id)
    else:
        return None
    return await session.scalar(query)


async def claim_payment(
    session: AsyncSession,
    *,
    reference: str,
    user_id: str,
    payment_intent_id: str | None,
    credits: int,
) -> bool:
    """Record a payment that buys credits; False when it was credited before."""
    result = await session.execute(
        insert(Payment)
        .values(
            reference=reference,
            user_id=user_id,
            payment_intent_id=payment_intent_id,
            credits=credits,
            credits_refunded=0,
        )
        .on_conflict_do_nothing(index_elements=[Payment.reference])
        .returning(Payment.reference)
    )
    return result.scalar_one_or_none() is not None


async def subscription_for_update(
    session: AsyncSession, subscription_id: str, user_id: str
) -> Subscription:
    """The subscription's row, created for `user_id` the first time any event names it (an
    invoice can arrive before the checkout that started it)."""
    await session.execute(
        insert(Subscription)
        .values(id=subscription_id, user_id=user_id)
        .on_conflict_do_nothing(index_elements=[Subscription.id])
    )
    found = await session.scalar(
        select(Subscription).where(Subscription.id == subscription_id).with_for_update()
    )
    assert found is not None
    return found
