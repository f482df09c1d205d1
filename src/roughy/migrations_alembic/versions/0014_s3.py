"""Uploads on S3: each unfinished tus upload's multipart upload (target key, upload id, and the
ETags of its committed parts).

Revision ID: 0014_s3
Revises: 0002_uploads
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_s3"
down_revision: str | Sequence[str] | None = "0002_uploads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("uploads", sa.Column("staging_key", sa.Text(), nullable=True))
    op.add_column("uploads", sa.Column("multipart_id", sa.Text(), nullable=True))
    op.add_column(
        "uploads", sa.Column("part_etags", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("uploads", "part_etags")
    op.drop_column("uploads", "multipart_id")
    op.drop_column("uploads", "staging_key")
