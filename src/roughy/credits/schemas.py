from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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


class Balance(Schema):
    balance: int


class LedgerEntryOut(Schema):
    id: str
    type: str
    delta: int
    asset_id: str | None
    grant_id: str | None
    stripe_invoice_id: str | None
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
    created_at: datetime
