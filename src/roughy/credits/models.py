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
