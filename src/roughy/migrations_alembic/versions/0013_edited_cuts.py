"""Edited cuts: a cut derived from an engine cut by a reviewer's keep/remove edits.

Revision ID: 0013_edited_cuts
Revises: 0003_cuts_renders_webhooks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_edited_cuts"
down_revision: str | Sequence[str] | None = "0003_cuts_renders_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cuts", sa.Column("base_cut_id", sa.String(length=36), nullable=True))
    op.add_column("cuts", sa.Column("edits", postgresql.JSONB(), nullable=True))
    op.create_foreign_key(
        op.f("fk_cuts_base_cut_id_cuts"),
        "cuts",
        "cuts",
        ["base_cut_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_index(op.f("ix_cuts_base_cut_id"), "cuts", ["base_cut_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_cuts_base_cut_id"), table_name="cuts")
    op.drop_constraint(op.f("fk_cuts_base_cut_id_cuts"), "cuts", type_="foreignkey")
    op.drop_column("cuts", "edits")
    op.drop_column("cuts", "base_cut_id")
