"""The tables of the scan history, as typed SQLAlchemy declarative models.

The schema is created and changed only by the Alembic migrations in ``migrations/versions``;
these models must describe the schema those migrations produce.  Times are ISO 8601 UTC strings,
exactly as the scan recorded them, so a stored scan loads back unchanged.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


def _scan_fk() -> ForeignKey:
    return ForeignKey("scans.id", ondelete="CASCADE")


class ScanRow(Base):
    """One scan: what was scanned, when, by which aispm version, and its counts."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target: Mapped[str] = mapped_column(Text)
    started_at: Mapped[str] = mapped_column(String(40))
    finished_at: Mapped[str] = mapped_column(String(40))
    tool_version: Mapped[str] = mapped_column(String(40))
    asset_count: Mapped[int] = mapped_column(Integer)
    relationship_count: Mapped[int] = mapped_column(Integer)
    finding_count: Mapped[int] = mapped_column(Integer)
    severity_counts: Mapped[dict[str, int]] = mapped_column(JSON)
    """Findings by severity value (``{"high": 2, ...}``)."""
    warning_count: Mapped[int] = mapped_column(Integer)


class AssetRow(Base):
    """An asset as one scan saw it."""

    __tablename__ = "scan_assets"

    scan_id: Mapped[int] = mapped_column(_scan_fk(), primary_key=True)
    asset_id: Mapped[str] = mapped_column(Text, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    """Position in the inventory, so assets load back in the order they were found."""
    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(Text)
    location_path: Mapped[str | None] = mapped_column(Text)
    location_line: Mapped[int | None] = mapped_column(Integer)
    location_uri: Mapped[str | None] = mapped_column(Text)
    properties: Mapped[dict[str, Any]] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64))
    """sha256 of the asset's canonical JSON: equal hashes mean an unchanged asset."""

    __table_args__ = (Index("ix_scan_assets_scan_kind", "scan_id", "kind"),)


class RelationshipRow(Base):
    """A relationship between two assets in one scan."""

    __tablename__ = "scan_relationships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scan_id: Mapped[int] = mapped_column(_scan_fk())
    seq: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(Text)
    properties: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_scan_relationships_scan_source", "scan_id", "source"),
        Index("ix_scan_relationships_scan_target", "scan_id", "target"),
    )


class FindingRow(Base):
    """A finding of one scan."""

    __tablename__ = "scan_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scan_id: Mapped[int] = mapped_column(_scan_fk())
    seq: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(200))
    asset_id: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    location_path: Mapped[str | None] = mapped_column(Text)
    location_line: Mapped[int | None] = mapped_column(Integer)
    location_uri: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    discriminator: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="fail", server_default="fail")
    """``fail`` or ``unknown`` (the rule lacked data, e.g. a coverage gap)."""

    __table_args__ = (
        Index("ix_scan_findings_scan_fingerprint", "scan_id", "fingerprint"),
        Index("ix_scan_findings_scan_asset", "scan_id", "asset_id"),
        Index("ix_scan_findings_scan_rule", "scan_id", "rule_id"),
    )


class RuleRow(Base):
    """Metadata of a rule that ran in one scan (``RuleMeta.to_json()``)."""

    __tablename__ = "scan_rules"

    scan_id: Mapped[int] = mapped_column(_scan_fk(), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)


class WarningRow(Base):
    """Something one scan could not read or parse."""

    __tablename__ = "scan_warnings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scan_id: Mapped[int] = mapped_column(_scan_fk(), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    location_path: Mapped[str | None] = mapped_column(Text)
    location_line: Mapped[int | None] = mapped_column(Integer)
    location_uri: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="warning", server_default="warning")
    """``warning`` or ``coverage_gap``."""


class FindingStateRow(Base):
    """What the history knows about a finding across scans, by fingerprint; holds suppressions."""

    __tablename__ = "finding_states"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_seen: Mapped[str] = mapped_column(String(40))
    """``started_at`` of the first scan that reported the finding."""
    last_seen: Mapped[str] = mapped_column(String(40))
    first_scan_id: Mapped[int] = mapped_column(Integer)
    last_scan_id: Mapped[int] = mapped_column(Integer)
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    suppressed_at: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_finding_states_suppressed", "suppressed"),)
