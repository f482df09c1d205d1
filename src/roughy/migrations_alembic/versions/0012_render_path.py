"""Renders say which path ran: `render_path` (smart | full) and, for full, `fallback_reason`.

Revision ID: 0012_render_path
Revises: 0003_cuts_renders_webhooks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_render_path"
down_revision: str | Sequence[str] | None = "0003_cuts_renders_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("renders", sa.Column("render_path", sa.String(length=8), nullable=True))
    op.add_column("renders", sa.Column("fallback_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("renders", "fallback_reason")
    op.drop_column("renders", "render_path")
