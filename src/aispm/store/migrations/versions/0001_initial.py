"""The initial schema: scans, their assets, relationships, findings, rules and warnings, and the
cross-scan finding states that hold suppressions.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _location() -> list[sa.Column[object]]:
    return [
        sa.Column("location_path", sa.Text(), nullable=True),
        sa.Column("location_line", sa.Integer(), nullable=True),
        sa.Column("location_uri", sa.Text(), nullable=True),
    ]


def _scan_fk() -> sa.ForeignKey:
    return sa.ForeignKey("scans.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "scans",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40), nullable=False),
        sa.Column("tool_version", sa.String(40), nullable=False),
        sa.Column("asset_count", sa.Integer(), nullable=False),
        sa.Column("relationship_count", sa.Integer(), nullable=False),
        sa.Column("finding_count", sa.Integer(), nullable=False),
        sa.Column("severity_counts", sa.JSON(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "scan_assets",
        sa.Column("scan_id", sa.Integer(), _scan_fk(), primary_key=True),
        sa.Column("asset_id", sa.Text(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        *_location(),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_scan_assets_scan_kind", "scan_assets", ["scan_id", "kind"])
    op.create_table(
        "scan_relationships",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("scan_id", sa.Integer(), _scan_fk(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
    )
    op.create_index("ix_scan_relationships_scan_source", "scan_relationships", ["scan_id", "source"])
    op.create_index("ix_scan_relationships_scan_target", "scan_relationships", ["scan_id", "target"])
    op.create_table(
        "scan_findings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("scan_id", sa.Integer(), _scan_fk(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("rule_id", sa.String(200), nullable=False),
        sa.Column("asset_id", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        *_location(),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("discriminator", sa.Text(), nullable=False),
    )
    op.create_index("ix_scan_findings_scan_fingerprint", "scan_findings", ["scan_id", "fingerprint"])
    op.create_index("ix_scan_findings_scan_asset", "scan_findings", ["scan_id", "asset_id"])
    op.create_index("ix_scan_findings_scan_rule", "scan_findings", ["scan_id", "rule_id"])
    op.create_table(
        "scan_rules",
        sa.Column("scan_id", sa.Integer(), _scan_fk(), primary_key=True),
        sa.Column("rule_id", sa.String(200), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
    )
    op.create_table(
        "scan_warnings",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("scan_id", sa.Integer(), _scan_fk(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        *_location(),
    )
    op.create_index("ix_scan_warnings_scan_id", "scan_warnings", ["scan_id"])
    op.create_table(
        "finding_states",
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("first_seen", sa.String(40), nullable=False),
        sa.Column("last_seen", sa.String(40), nullable=False),
        sa.Column("first_scan_id", sa.Integer(), nullable=False),
        sa.Column("last_scan_id", sa.Integer(), nullable=False),
        sa.Column("suppressed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("suppressed_at", sa.String(40), nullable=True),
    )
    op.create_index("ix_finding_states_suppressed", "finding_states", ["suppressed"])


def downgrade() -> None:
    for table in (
        "finding_states",
        "scan_warnings",
        "scan_rules",
        "scan_findings",
        "scan_relationships",
        "scan_assets",
        "scans",
    ):
        op.drop_table(table)
