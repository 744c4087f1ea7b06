"""Coverage gaps and unknown findings: ``scan_warnings.kind`` (``warning`` | ``coverage_gap``) and
``scan_findings.status`` (``fail`` | ``unknown``).  Rows written before this revision get the
defaults, which is what they were.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("scan_warnings") as batch:
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="warning"))
    with op.batch_alter_table("scan_findings") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="fail"))


def downgrade() -> None:
    with op.batch_alter_table("scan_findings") as batch:
        batch.drop_column("status")
    with op.batch_alter_table("scan_warnings") as batch:
        batch.drop_column("kind")
