"""What Roughy keeps about Stripe: each user's customer, the checkout sessions it opened (with
what they buy, fixed when opened), subscriptions (to stop grants after they end), the payments
that bought credits (to take them back on a refund) and every webhook event handled (by id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from roughy.kit.db import Base, CreatedAt

STRIPE_ID = 255


class BillingCustomer(CreatedAt, Base):
    __tablename__ = "billing_customers"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    stripe_customer_id: Mapped[str] = mapped_column(String(STRIPE_ID), unique=True)


class CheckoutSession(CreatedAt, Base):
    __tablename__ = "billing_checkout_sessions"

    id: Mapped[str] = mapped_column(String(STRIPE_ID), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    price_id: Mapped[str] = mapped_column(String(STRIPE_ID))
    kind: Mapped[str] = mapped_column(String(8))
    credits: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime | None]


class Subscription(CreatedAt, Base):
    __tablename__ = "billing_subscriptions"

    id: Mapped[str] = mapped_column(String(STRIPE_ID), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ended_at: Mapped[datetime | None]


class Payment(CreatedAt, Base):
    """A payment that bought credits: a paid checkout session (`cs_…`) or invoice (`in_…`)."""

    __tablename__ = "billing_payments"

    reference: Mapped[str] = mapped_column(String(STRIPE_ID), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(STRIPE_ID), index=True)
    credits: Mapped[int] = mapped_column(Integer)
    credits_refunded: Mapped[int] = mapped_column(Integer, default=0)


class StripeEvent(CreatedAt, Base):
    """A webhook event already handled; its id makes every later delivery a no-op."""

    __tablename__ = "billing_stripe_events"

    id: Mapped[str] = mapped_column(String(STRIPE_ID), primary_key=True)
    type: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(64))
