from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from roughy.kit.db import Base, CreatedAt
from roughy.kit.ids import new_id


class LedgerEntry(CreatedAt, Base):
    """One movement of credits. Rows are only ever inserted.

    `delta` is what the entry does to the spendable balance. `amount` is the magnitude the entry
    is about: for a pipeline `commit` (delta 0) it is the part of the hold that became a charge.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_user_created", "user_id", "created_at"),
        Index(
            "uq_ledger_consume_asset_once",
            "asset_id",
            unique=True,
            postgresql_where=text("type = 'consume_asset'"),
        ),
        # One top-up per Stripe checkout session or invoice, whatever the webhooks repeat.
        Index(
            "uq_ledger_stripe_topup_once",
            "source",
            "reference",
            unique=True,
            postgresql_where=text("type = 'topup' AND source LIKE 'stripe_%'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(24), nullable=False)
    delta: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    asset_id: Mapped[str | None] = mapped_column(String(36))
    pipeline_id: Mapped[str | None] = mapped_column(String(36), index=True)
    grant_id: Mapped[str | None] = mapped_column(String(64))
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(128))
    memo: Mapped[str | None] = mapped_column(Text)
    # Where the entry came from (`credits.schemas.EntrySource`) and the id it refers to there:
    # the asset, the pipeline, the Stripe checkout session, invoice or refunded charge.
    source: Mapped[str | None] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(255))
