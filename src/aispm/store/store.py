"""The scan history: saving and loading scans, diffs and suppressions over SQLite or PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import psycopg
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from aispm import __version__
from aispm.core.model import Inventory, RuleMeta, ScanResult
from aispm.store import convert, migrate, queries
from aispm.store.diff import ScanDiff
from aispm.store.errors import StoreError
from aispm.store.records import FindingState, ScanSummary, severity_counts
from aispm.store.tables import (
    FindingStateRow,
    RelationshipRow,
    RuleRow,
    ScanRow,
    WarningRow,
)
from aispm.store.url import is_memory, mask, resolve

MIN_PREFIX = 8
"""Shortest fingerprint prefix accepted by :meth:`Store.suppress`."""
_HEX = re.compile(r"[0-9a-f]+")


def _reason(exc: BaseException) -> str:
    """The driver's message of a database error, on one line."""
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split())[:300] or type(orig).__name__
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """The scan history in one database.  Use :meth:`open`; close with :meth:`close` or ``with``."""

    def __init__(self, engine: Engine, url: URL) -> None:
        self._engine = engine
        self._url = url
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str | None = None) -> Store:
        """Open (creating and migrating to the newest schema if needed) the history at ``url``.

        ``None`` is ``aispm.db`` in the user data directory; a path is a SQLite file;
        ``sqlite://`` and ``postgresql://`` URLs are used as given.  Raises :class:`StoreError`.
        """
        resolved = resolve(url)
        engine = _create_engine(resolved)
        where = mask(resolved)
        try:
            with engine.begin() as conn:
                migrate.upgrade(conn)
        except OperationalError as exc:
            engine.dispose()
            if resolved.get_backend_name() == "sqlite":
                raise StoreError(
                    f"cannot open the SQLite database {resolved.database}: {_reason(exc)} "
                    "Check that the file and its directory are writable, or pass another --db."
                ) from None
            raise StoreError(
                f"cannot connect to the database at {where}: {_reason(exc)} Check that the server "
                "is running and reachable and that the user, password and database name are right "
                "(--db or AISPM_DATABASE_URL)."
            ) from None
        except CommandError as exc:
            engine.dispose()
            raise StoreError(
                f"the database at {where} has a schema this aispm {__version__} does not know ({exc}); "
                "it was probably written by a newer aispm. Upgrade aispm or use another --db."
            ) from None
        except SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(
                f"cannot use the database at {where}: {_reason(exc)} "
                "Check that it is an aispm database (or an empty one), or pass another --db."
            ) from None
        return cls(engine, resolved)

    @property
    def display_url(self) -> str:
        """The database URL with any password masked."""
        return mask(self._url)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _session(self, action: str) -> Iterator[Session]:
        """A session in a transaction; database errors become a :class:`StoreError` about ``action``."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except (DBAPIError, psycopg.Error) as exc:
            # psycopg errors come unwrapped from the COPY path of PostgreSQL inserts.
            raise StoreError(f"{action} failed on {self.display_url}: {_reason(exc)}") from None

    # -- writing -----------------------------------------------------------------------------

    def save_scan(self, result: ScanResult) -> str:
        """Keep ``result`` and update the finding states; returns the new scan id."""
        inventory = result.inventory
        with self._session("saving the scan") as s:
            scan = ScanRow(
                target=result.target,
                started_at=result.started_at,
                finished_at=result.finished_at,
                tool_version=__version__,
                asset_count=len(inventory),
                relationship_count=len(inventory.relationships),
                finding_count=len(result.findings),
                severity_counts=severity_counts([f.severity.value for f in result.findings]),
                warning_count=len(inventory.warnings),
            )
            s.add(scan)
            s.flush()
            sid = scan.id
            queries.write_scan(s, sid, result)
        return str(sid)

    def suppress(self, fingerprint: str, reason: str) -> str:
        """Suppress the finding whose fingerprint is or starts with ``fingerprint``; returns it in full.

        The suppression is kept in the finding's state, so it holds for every later scan.
        """
        reason = reason.strip()
        if not reason:
            raise StoreError("a suppression needs a reason (--reason): say why the finding is accepted.")
        with self._session("suppressing the finding") as s:
            state = self._find_state(s, fingerprint)
            state.suppressed = True
            state.reason = reason
            state.suppressed_at = _now()
            return state.fingerprint

    def unsuppress(self, fingerprint: str) -> str:
        """Lift the suppression of the finding ``fingerprint`` (full or unique prefix)."""
        with self._session("unsuppressing the finding") as s:
            state = self._find_state(s, fingerprint)
            state.suppressed = False
            state.reason = None
            state.suppressed_at = None
            return state.fingerprint

    # -- reading -----------------------------------------------------------------------------

    def suppressed(self) -> frozenset[str]:
        """Fingerprints of every finding currently suppressed."""
        with self._session("reading suppressions") as s:
            rows = s.scalars(select(FindingStateRow.fingerprint).where(FindingStateRow.suppressed.is_(True)))
            return frozenset(rows)

    def finding_state(self, fingerprint: str) -> FindingState | None:
        """First/last seen and suppression of a finding, or ``None`` if no scan reported it."""
        with self._session("reading the finding state") as s:
            row = s.get(FindingStateRow, fingerprint.strip().lower())
            if row is None:
                return None
            return FindingState(
                fingerprint=row.fingerprint,
                first_seen=row.first_seen,
                last_seen=row.last_seen,
                first_scan_id=str(row.first_scan_id),
                last_scan_id=str(row.last_scan_id),
                suppressed=row.suppressed,
                reason=row.reason,
                suppressed_at=row.suppressed_at,
            )

    def list_scans(self) -> list[ScanSummary]:
        """Every kept scan, oldest first."""
        with self._session("listing scans") as s:
            return [
                ScanSummary(
                    id=str(row.id),
                    target=row.target,
                    started_at=row.started_at,
                    finished_at=row.finished_at,
                    asset_count=row.asset_count,
                    findings_by_severity=severity_counts(row.severity_counts),
                    tool_version=row.tool_version,
                )
                for row in s.scalars(select(ScanRow).order_by(ScanRow.id))
            ]

    def latest_scan_ids(self, n: int = 1) -> list[str]:
        """Ids of the ``n`` newest scans, newest first."""
        with self._session("listing scans") as s:
            ids = s.scalars(select(ScanRow.id).order_by(ScanRow.id.desc()).limit(max(n, 0)))
            return [str(i) for i in ids]

    def load_scan(self, scan_id: str) -> ScanResult:
        """Rebuild the scan ``scan_id`` (inventory, findings, rule metadata) from the history.

        ``suppressed`` holds the scan's fingerprints that are suppressed now.
        """
        with self._session("loading the scan") as s:
            scan = self._scan(s, scan_id)
            inventory = Inventory.of(
                queries.assets(s, scan.id),
                (convert.to_relationship(r) for r in queries.scan_rows(s, RelationshipRow, scan.id)),
            )
            inventory.warnings.extend(
                convert.to_warning(r) for r in queries.scan_rows(s, WarningRow, scan.id)
            )
            findings = queries.findings(s, scan.id)
            rules: dict[str, RuleMeta] = {
                r.rule_id: convert.to_rule(r.meta) for r in queries.scan_rows(s, RuleRow, scan.id)
            }
            suppressed = queries.suppressed_of(s, scan.id)
            return ScanResult(
                target=scan.target,
                started_at=scan.started_at,
                finished_at=scan.finished_at,
                inventory=inventory,
                findings=tuple(findings),
                rules=rules,
                scan_id=str(scan.id),
                suppressed=suppressed,
            )

    def diff(self, old_id: str | None = None, new_id: str | None = None) -> ScanDiff:
        """What changed from scan ``old_id`` to scan ``new_id``.

        Both omitted: the two newest scans.  Only ``old_id``: it against the newest scan.  Only
        ``new_id``: the scan before it against it.
        """
        with self._session("comparing scans") as s:
            new = self._scan(s, new_id) if new_id is not None else self._latest(s)
            if old_id is not None:
                old = self._scan(s, old_id)
            else:
                previous = s.scalars(
                    select(ScanRow).where(ScanRow.id < new.id).order_by(ScanRow.id.desc()).limit(1)
                ).first()
                if previous is None:
                    raise StoreError(
                        f"there is no scan before scan {new.id} to compare with; a diff needs two scans. "
                        "Run `aispm scan` again or name both scans."
                    )
                old = previous
            return queries.diff_scans(s, old.id, new.id)

    # -- helpers -----------------------------------------------------------------------------

    def _scan(self, s: Session, scan_id: str) -> ScanRow:
        text = str(scan_id).strip().lstrip("#")
        row = s.get(ScanRow, int(text)) if text.isdigit() and len(text) < 18 else None
        if row is None:
            raise StoreError(f"unknown scan id {scan_id!r}; run `aispm scans` to list the kept scans.")
        return row

    def _latest(self, s: Session) -> ScanRow:
        row = s.scalars(select(ScanRow).order_by(ScanRow.id.desc()).limit(1)).first()
        if row is None:
            raise StoreError(f"no scans are kept in {self.display_url}; run `aispm scan` first.")
        return row

    def _find_state(self, s: Session, fingerprint: str) -> FindingStateRow:
        prefix = fingerprint.strip().lower()
        if not _HEX.fullmatch(prefix) or len(prefix) < MIN_PREFIX:
            raise StoreError(
                f"{fingerprint!r} is not a finding fingerprint; give the fingerprint or at least its "
                f"first {MIN_PREFIX} hex characters (shown by `aispm scan --format json`)."
            )
        matches = list(
            s.scalars(
                select(FindingStateRow)
                .where(FindingStateRow.fingerprint.startswith(prefix, autoescape=True))
                .order_by(FindingStateRow.fingerprint)
                .limit(5)
            )
        )
        if not matches:
            raise StoreError(f"no finding with fingerprint {prefix!r} in any kept scan.")
        if len(matches) > 1:
            shown = ", ".join(m.fingerprint for m in matches)
            raise StoreError(
                f"fingerprint prefix {prefix!r} is ambiguous; it matches {shown}"
                f"{' ...' if len(matches) >= 5 else ''}. Give more characters."
            )
        return matches[0]


def _create_engine(url: URL) -> Engine:
    kwargs: dict[str, Any] = {}
    backend = url.get_backend_name()
    if is_memory(url):
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    elif backend == "sqlite":
        kwargs = {"connect_args": {"timeout": 30}}
    elif backend == "postgresql":
        kwargs = {"connect_args": {"connect_timeout": 10}, "pool_pre_ping": True}
    try:
        return create_engine(url, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(
            f"cannot use the database URL {mask(url)}: {exc}. "
            "Use a SQLite file path, sqlite:///file.db or postgresql://user@host/dbname."
        ) from None
