"""The SQL of the store: batched inserts, reading a scan's rows back, finding-state upkeep and the
cheap-first comparison of two scans.  Every function works inside the caller's session.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from itertools import chain, islice
from typing import Any, TypeVar, cast

import psycopg
from psycopg import sql
from sqlalchemy import JSON, Connection, Row, Table, insert, select, update
from sqlalchemy.orm import Session

from aispm.core.model import Asset, Finding, ScanResult
from aispm.store import convert
from aispm.store.diff import ScanDiff, compute
from aispm.store.tables import (
    AssetRow,
    Base,
    FindingRow,
    FindingStateRow,
    RelationshipRow,
    RuleRow,
    WarningRow,
)

BATCH = 2000
"""Rows per INSERT batch."""
IN_CHUNK = 500
"""Values per ``IN (...)`` list (well under SQLite's bound-parameter limit)."""

T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def insert_rows(s: Session, model: type[Base], rows: Iterable[dict[str, Any]]) -> None:
    """Insert ``rows`` (column dicts, all with the same keys) into the model's table.

    PostgreSQL gets one ``COPY`` stream; other databases batched ``executemany`` of :data:`BATCH`.
    """
    conn = s.connection()
    t = table(model)
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, t, rows)
        return
    statement = insert(t)
    for chunk in chunks(rows, BATCH):
        conn.execute(statement, chunk)


def _copy_rows(conn: Connection, t: Table, rows: Iterable[dict[str, Any]]) -> None:
    """Stream rows into a PostgreSQL table with ``COPY ... FROM STDIN`` (several times faster than
    ``INSERT``s for 100k-asset scans), inside the session's transaction."""
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return
    columns = [c for c in t.c if c.name in first]
    names = [c.name for c in columns]
    as_json = [isinstance(c.type, JSON) for c in columns]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(t.name), sql.SQL(", ").join(sql.Identifier(n) for n in names)
    )
    driver = cast(psycopg.Connection[Any], conn.connection.driver_connection)
    with driver.cursor() as cur, cur.copy(statement) as copy:
        for row in chain((first,), it):
            copy.write_row([json.dumps(row[n]) if j else row[n] for n, j in zip(names, as_json, strict=True)])


def write_scan(s: Session, scan_id: int, result: ScanResult) -> None:
    """Insert the assets, relationships, findings, rules and warnings of ``result`` as scan
    ``scan_id`` and update the finding states."""
    inv = result.inventory
    insert_rows(s, AssetRow, (convert.asset_row(scan_id, i, a) for i, a in enumerate(inv.assets)))
    insert_rows(
        s, RelationshipRow, (convert.relationship_row(scan_id, i, r) for i, r in enumerate(inv.relationships))
    )
    insert_rows(s, FindingRow, (convert.finding_row(scan_id, i, f) for i, f in enumerate(result.findings)))
    insert_rows(
        s,
        RuleRow,
        (
            {"scan_id": scan_id, "rule_id": rule_id, "seq": i, "meta": meta.to_json()}
            for i, (rule_id, meta) in enumerate(result.rules.items())
        ),
    )
    insert_rows(s, WarningRow, (convert.warning_row(scan_id, i, w) for i, w in enumerate(inv.warnings)))
    record_states(s, scan_id, result.started_at, dict.fromkeys(f.fingerprint for f in result.findings))


def scan_rows(s: Session, model: type[Base], scan_id: int) -> list[Row[Any]]:
    """All rows of one scan in a per-scan table, in the order they were saved.

    Plain rows, not ORM objects: a scan can hold 100k assets.
    """
    t = table(model)
    return list(s.execute(select(t).where(t.c.scan_id == scan_id).order_by(t.c.seq)))


def assets(s: Session, scan_id: int) -> list[Asset]:
    return [convert.to_asset(r) for r in scan_rows(s, AssetRow, scan_id)]


def findings(s: Session, scan_id: int) -> list[Finding]:
    return [convert.to_finding(r) for r in scan_rows(s, FindingRow, scan_id)]


def suppressed_of(s: Session, scan_id: int) -> frozenset[str]:
    """Fingerprints of the scan's findings that are suppressed now."""
    query = (
        select(FindingStateRow.fingerprint)
        .join(FindingRow, FindingRow.fingerprint == FindingStateRow.fingerprint)
        .where(FindingRow.scan_id == scan_id, FindingStateRow.suppressed.is_(True))
    )
    return frozenset(s.scalars(query))


def record_states(s: Session, scan_id: int, seen_at: str, fingerprints: Iterable[str]) -> None:
    """Create the states of new fingerprints; move ``last_seen`` of known ones to this scan."""
    states = table(FindingStateRow)
    for chunk in chunks(fingerprints, IN_CHUNK):
        known = set(s.scalars(select(states.c.fingerprint).where(states.c.fingerprint.in_(chunk))))
        if known:
            s.execute(
                update(states)
                .where(states.c.fingerprint.in_(known))
                .values(last_seen=seen_at, last_scan_id=scan_id)
            )
        new = [
            {
                "fingerprint": fp,
                "first_seen": seen_at,
                "last_seen": seen_at,
                "first_scan_id": scan_id,
                "last_scan_id": scan_id,
                "suppressed": False,
            }
            for fp in chunk
            if fp not in known
        ]
        insert_rows(s, FindingStateRow, new)


def diff_scans(s: Session, old_id: int, new_id: int) -> ScanDiff:
    """Compare two kept scans.

    Only keys and hashes (assets) or severity and message (findings) of both scans are read in
    full; complete rows are loaded just for what was added, removed or changed.
    """
    old_hashes = _asset_hashes(s, old_id)
    new_hashes = _asset_hashes(s, new_id)
    old_wanted = [i for i, h in old_hashes.items() if new_hashes.get(i) != h]
    new_wanted = [i for i, h in new_hashes.items() if old_hashes.get(i) != h]

    old_brief = _finding_briefs(s, old_id)
    new_brief = _finding_briefs(s, new_id)
    old_fps = [fp for fp, b in old_brief.items() if new_brief.get(fp) != b]
    new_fps = [fp for fp, b in new_brief.items() if old_brief.get(fp) != b]

    return compute(
        str(old_id),
        str(new_id),
        [convert.to_asset(r) for r in _rows_where(s, AssetRow, old_id, "asset_id", old_wanted)],
        [convert.to_asset(r) for r in _rows_where(s, AssetRow, new_id, "asset_id", new_wanted)],
        [convert.to_finding(r) for r in _rows_where(s, FindingRow, old_id, "fingerprint", old_fps)],
        [convert.to_finding(r) for r in _rows_where(s, FindingRow, new_id, "fingerprint", new_fps)],
    )


def _asset_hashes(s: Session, scan_id: int) -> dict[str, str]:
    t = table(AssetRow)
    query = select(t.c.asset_id, t.c.content_hash).where(t.c.scan_id == scan_id).order_by(t.c.seq)
    return {asset_id: digest for asset_id, digest in s.execute(query)}


def _finding_briefs(s: Session, scan_id: int) -> dict[str, tuple[str, str]]:
    """``fingerprint -> (severity, message)`` of the first finding with each fingerprint."""
    t = table(FindingRow)
    query = select(t.c.fingerprint, t.c.severity, t.c.message).where(t.c.scan_id == scan_id).order_by(t.c.seq)
    out: dict[str, tuple[str, str]] = {}
    for fingerprint, severity, message in s.execute(query):
        out.setdefault(fingerprint, (severity, message))
    return out


def _rows_where(
    s: Session, model: type[Base], scan_id: int, column: str, values: Collection[str]
) -> list[Row[Any]]:
    """Rows of one scan whose ``column`` is in ``values``, in saved order."""
    t = table(model)
    rows: list[Row[Any]] = []
    for chunk in chunks(values, IN_CHUNK):
        rows.extend(s.execute(select(t).where(t.c.scan_id == scan_id, t.c[column].in_(chunk))))
    rows.sort(key=lambda r: int(r.seq))
    return rows
