"""Tables of the runtime guard: gateway keys (stored hashed) and one event per gateway request.

Created by the migration ``0003_guard``.  Times are ISO 8601 UTC strings like the scan tables.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aispm.store.tables import Base


class GuardKeyRow(Base):
    """A gateway key.  Only a salted sha256 of the secret part is kept; the key is shown once."""

    __tablename__ = "guard_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    """The public part of the key (``aispm-<key_id>-<secret>``), used to look the row up."""
    name: Mapped[str] = mapped_column(String(200), unique=True)
    salt: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(64))
    """hex sha256 of ``salt + key``; compared in constant time."""
    models: Mapped[list[str]] = mapped_column(JSON)
    """Models the key may call (``[]``: any the policy allows); ``*`` globs allowed."""
    rpm: Mapped[int | None] = mapped_column(Integer)
    tpm: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(40))
    expires_at: Mapped[str | None] = mapped_column(String(40))
    revoked_at: Mapped[str | None] = mapped_column(String(40))


class GuardEventRow(Base):
    """One request through the gateway: who, where to, what it cost and what the guard decided."""

    __tablename__ = "guard_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ts: Mapped[str] = mapped_column(String(40))
    request_id: Mapped[str] = mapped_column(String(64))
    key_name: Mapped[str | None] = mapped_column(String(200))
    caller: Mapped[str | None] = mapped_column(Text)
    api: Mapped[str] = mapped_column(String(20))
    """The API the client spoke: ``openai`` or ``anthropic``."""
    path: Mapped[str] = mapped_column(String(100))
    route: Mapped[str | None] = mapped_column(String(200))
    provider: Mapped[str | None] = mapped_column(String(40))
    upstream_url: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(200))
    stream: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(20))
    """``allow``, ``flag``, ``redact``, ``block``, ``denied`` (auth, policy, limits) or ``error``."""
    reason: Mapped[str | None] = mapped_column(Text)
    tokens_in: Mapped[int | None] = mapped_column(Integer)
    tokens_out: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float)
    detections: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """``[{"stage","detector","type","score","action"}]`` — never the matched text."""
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    content: Mapped[str | None] = mapped_column(Text)
    """The prompt, only when the config says ``log_content: true``."""

    __table_args__ = (
        Index("ix_guard_events_ts", "ts"),
        Index("ix_guard_events_key_ts", "key_name", "ts"),
        Index("ix_guard_events_verdict_ts", "verdict", "ts"),
    )
