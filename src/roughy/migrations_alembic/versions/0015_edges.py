"""Single-use pricing tokens: the token id of every pipeline's quote.

Revision ID: 0015_edges
Revises: 0004_pipelines
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_edges"
down_revision: str | Sequence[str] | None = "0004_pipelines"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pricing_token_uses",
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("pipeline_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_pricing_token_uses_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_pricing_token_uses")),
    )


def downgrade() -> None:
    op.drop_table("pricing_token_uses")
