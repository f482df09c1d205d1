from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from roughy.kit.schemas import Schema


class EntryType(StrEnum):
    CONSUME_ASSET = "consume_asset"
    TOPUP = "topup"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"
    EXPIRY = "expiry"
    HOLD = "hold"
    COMMIT = "commit"
    RELEASE = "release"


class EntrySource(StrEnum):
    """Where a ledger entry came from; `reference` names the thing there."""

    OPERATOR = "operator"
    ASSET = "asset"
    PIPELINE = "pipeline"
    STRIPE_CHECKOUT = "stripe_checkout"
    STRIPE_INVOICE = "stripe_invoice"
    STRIPE_REFUND = "stripe_refund"


SOURCE_DESCRIPTION = (
    "Where the entry came from: `operator` (granted by an administrator or on sign-up), `asset` "
    "(the charge for preparing an asset), `pipeline` (an /api/v1 pipeline's hold, commit or "
    "release), `stripe_checkout` (a credit pack bought through Stripe Checkout), "
    "`stripe_invoice` (a paid subscription invoice), `stripe_refund` (credits taken back "
    "because Stripe refunded the payment that bought them)."
)
REFERENCE_DESCRIPTION = (
    "The id the entry refers to at its source: asset id, pipeline id, Stripe checkout session "
    "(`cs_…`), invoice (`in_…`) or refunded charge (`ch_…`)."
)


class Balance(Schema):
    balance: int


class LedgerEntryOut(Schema):
    id: str
    type: str
    delta: int
    asset_id: str | None
    grant_id: str | None
    stripe_invoice_id: str | None
    source: str | None = Field(description=SOURCE_DESCRIPTION)
    reference: str | None = Field(description=REFERENCE_DESCRIPTION)
    created_at: datetime


class Hold(Schema):
    amount: int
    created_at: datetime
    pipeline_id: str


class LegacyBalance(Schema):
    balance: int
    holds: list[Hold]
    total_held: int


class LegacyLedgerEntry(Schema):
    id: str
    type: str
    delta: int
    amount: int
    asset_id: str | None
    pipeline_id: str | None
    source: str | None = Field(description=SOURCE_DESCRIPTION)
    reference: str | None = Field(description=REFERENCE_DESCRIPTION)
    created_at: datetime
