"""Runtime guard: gateway keys (hashed) and gateway request events.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "guard_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("models", sa.JSON(), nullable=False),
        sa.Column("rpm", sa.Integer(), nullable=True),
        sa.Column("tpm", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.String(40), nullable=True),
        sa.Column("revoked_at", sa.String(40), nullable=True),
    )
    op.create_table(
        "guard_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ts", sa.String(40), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("key_name", sa.String(200), nullable=True),
        sa.Column("caller", sa.Text(), nullable=True),
        sa.Column("api", sa.String(20), nullable=False),
        sa.Column("path", sa.String(100), nullable=False),
        sa.Column("route", sa.String(200), nullable=True),
        sa.Column("provider", sa.String(40), nullable=True),
        sa.Column("upstream_url", sa.Text(), nullable=True),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("stream", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("tokens_in", sa.Integer(), nullable=True),
        sa.Column("tokens_out", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("detections", sa.JSON(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
    )
    op.create_index("ix_guard_events_ts", "guard_events", ["ts"])
    op.create_index("ix_guard_events_key_ts", "guard_events", ["key_name", "ts"])
    op.create_index("ix_guard_events_verdict_ts", "guard_events", ["verdict", "ts"])


def downgrade() -> None:
    op.drop_table("guard_events")
    op.drop_table("guard_keys")
