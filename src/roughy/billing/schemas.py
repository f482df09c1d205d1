from __future__ import annotations

from typing import Literal

from pydantic import Field

from roughy.kit.schemas import Schema


class CheckoutCreate(Schema):
    price_id: str = Field(
        min_length=1,
        max_length=120,
        description="A Stripe price id (`price_…`) the server sells: a credit pack (one-off "
        "payment) or a plan (monthly subscription), as mapped in `ROUGHY_STRIPE__PRICES`.",
    )


class PriceOut(Schema):
    price_id: str
    kind: Literal["pack", "plan"] = Field(
        description="`pack`: a one-off payment; `plan`: a monthly subscription."
    )
    credits: int = Field(description="Credits per purchase (pack) or per paid month (plan).")


class PriceList(Schema):
    items: list[PriceOut]


class RedirectUrl(Schema):
    url: str = Field(description="Send the user's browser here (Stripe-hosted page).")


class WebhookReceipt(Schema):
    received: bool
    outcome: str = Field(
        description="What the event did: `credited`, `refunded`, `subscription_recorded`, "
        "`subscription_ended`, `duplicate` (this event id was handled before), or why it did "
        "nothing (`ignored`, `not_paid`, `unknown_customer`, `unknown_session`, "
        "`customer_mismatch`, `subscription_ended_before`, `no_plan_lines`, `not_ours`, "
        "`nothing_to_refund`)."
    )
