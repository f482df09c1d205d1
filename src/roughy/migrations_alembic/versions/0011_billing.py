"""Billing: Stripe customers, checkout sessions, subscriptions, credited payments and handled
webhook events; ledger entries say where they came from (`source`, `reference`).

Revision ID: 0011_billing
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_billing"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STRIPE_ID = 255


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.add_column("ledger_entries", sa.Column("source", sa.String(length=32), nullable=True))
    op.add_column("ledger_entries", sa.Column("reference", sa.String(length=255), nullable=True))
    op.execute(
        """
        UPDATE ledger_entries SET
          source = CASE WHEN asset_id IS NOT NULL THEN 'asset'
                        WHEN pipeline_id IS NOT NULL THEN 'pipeline'
                        ELSE 'operator' END,
          reference = COALESCE(asset_id, pipeline_id, grant_id, stripe_invoice_id)
        """
    )
    op.create_index(
        "uq_ledger_stripe_topup_once",
        "ledger_entries",
        ["source", "reference"],
        unique=True,
        postgresql_where=sa.text("type = 'topup' AND source LIKE 'stripe_%'"),
    )

    op.create_table(
        "billing_customers",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=STRIPE_ID), nullable=False),
        _created_at(),
        _user_fk("billing_customers"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_billing_customers")),
        sa.UniqueConstraint(
            "stripe_customer_id", name=op.f("uq_billing_customers_stripe_customer_id")
        ),
    )
    op.create_table(
        "billing_checkout_sessions",
        sa.Column("id", sa.String(length=STRIPE_ID), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("price_id", sa.String(length=STRIPE_ID), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        _user_fk("billing_checkout_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_checkout_sessions")),
    )
    op.create_table(
        "billing_subscriptions",
        sa.Column("id", sa.String(length=STRIPE_ID), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        _user_fk("billing_subscriptions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_subscriptions")),
    )
    op.create_table(
        "billing_payments",
        sa.Column("reference", sa.String(length=STRIPE_ID), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("payment_intent_id", sa.String(length=STRIPE_ID), nullable=True),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("credits_refunded", sa.Integer(), nullable=False),
        _created_at(),
        _user_fk("billing_payments"),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_billing_payments")),
    )
    op.create_table(
        "billing_stripe_events",
        sa.Column("id", sa.String(length=STRIPE_ID), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_stripe_events")),
    )
    for table in ("billing_checkout_sessions", "billing_subscriptions", "billing_payments"):
        op.create_index(op.f(f"ix_{table}_user_id"), table, ["user_id"], unique=False)
    op.create_index(
        op.f("ix_billing_payments_payment_intent_id"),
        "billing_payments",
        ["payment_intent_id"],
        unique=False,
    )


def downgrade() -> None:
    for table in (
        "billing_stripe_events",
        "billing_payments",
        "billing_subscriptions",
        "billing_checkout_sessions",
        "billing_customers",
    ):
        op.drop_table(table)
    op.drop_index("uq_ledger_stripe_topup_once", table_name="ledger_entries")
    op.drop_column("ledger_entries", "reference")
    op.drop_column("ledger_entries", "source")
