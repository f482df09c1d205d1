"""Pipeline render steps say which path ran: `render_path` (smart | full), `fallback_reason`.

Revision ID: 0018_perf
Revises: 0015_edges
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_perf"
down_revision: str | Sequence[str] | None = "0015_edges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("pipeline_steps", sa.Column("render_path", sa.String(length=8), nullable=True))
    op.add_column("pipeline_steps", sa.Column("fallback_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("pipeline_steps", "fallback_reason")
    op.drop_column("pipeline_steps", "render_path")
