"""The guard's use of the store: keys and request events (tables in :mod:`aispm.store.guard_tables`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from aispm.guard.keys import KeyRecord, new_key
from aispm.store import Store, StoreError
from aispm.store.guard_tables import GuardEventRow, GuardKeyRow
from aispm.store.url import is_memory, mask, resolve


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(slots=True)
class GuardEvent:
    """One request through the gateway (see :class:`~aispm.store.guard_tables.GuardEventRow`)."""

    ts: str
    request_id: str
    api: str
    path: str
    status: int
    verdict: str
    latency_ms: float
    key_name: str | None = None
    caller: str | None = None
    route: str | None = None
    provider: str | None = None
    upstream_url: str | None = None
    model: str | None = None
    stream: bool = False
    reason: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    detections: list[dict[str, Any]] = field(default_factory=list)
    content_sha256: str | None = None
    content: str | None = None
    id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


class GuardStore:
    """Keys and events in the aispm database at ``url`` (migrated to the newest schema on open)."""

    def __init__(self, url: str | None) -> None:
        Store.open(url).close()  # creates / migrates the schema, with the store's error messages
        resolved = resolve(url)
        kwargs: dict[str, Any] = {}
        if is_memory(resolved):
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        elif resolved.get_backend_name() == "sqlite":
            kwargs = {"connect_args": {"timeout": 30}}
        else:
            kwargs = {"pool_pre_ping": True}
        self._engine: Engine = create_engine(resolved, **kwargs)
        self.display_url = mask(resolved)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _session(self, action: str) -> Iterator[Session]:
        try:
            with self._sessions() as session, session.begin():
                yield session
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(f"{action} failed on {self.display_url}: {exc}") from None

    # -- keys --------------------------------------------------------------------------------

    def create_key(
        self,
        name: str,
        *,
        models: Iterable[str] = (),
        rpm: int | None = None,
        tpm: int | None = None,
        expires_at: str | None = None,
    ) -> tuple[str, KeyRecord]:
        """A new key named ``name``: returns the key (the only time it exists in clear) and its record."""
        key, key_id, salt, key_hash = new_key()
        row = GuardKeyRow(
            key_id=key_id,
            name=name,
            salt=salt,
            key_hash=key_hash,
            models=list(models),
            rpm=rpm,
            tpm=tpm,
            created_at=now_iso(),
            expires_at=expires_at,
            revoked_at=None,
        )
        try:
            with self._session("creating the key") as s:
                s.add(row)
        except IntegrityError:
            raise StoreError(f"a key named {name!r} exists already; revoke it or pick another name") from None
        return key, _record(row)

    def list_keys(self) -> list[KeyRecord]:
        with self._session("listing keys") as s:
            return [_record(r) for r in s.scalars(select(GuardKeyRow).order_by(GuardKeyRow.created_at))]

    def get_key(self, key_id: str) -> KeyRecord | None:
        with self._session("reading the key") as s:
            row = s.get(GuardKeyRow, key_id)
            return _record(row) if row is not None else None

    def revoke_key(self, name_or_id: str) -> KeyRecord:
        with self._session("revoking the key") as s:
            row = s.scalars(
                select(GuardKeyRow).where(
                    (GuardKeyRow.name == name_or_id) | (GuardKeyRow.key_id == name_or_id)
                )
            ).first()
            if row is None:
                raise StoreError(f"no key named {name_or_id!r}; `aispm guard keys list` shows the keys")
            if row.revoked_at is None:
                row.revoked_at = now_iso()
            return _record(row)

    # -- events ------------------------------------------------------------------------------

    def add_events(self, events: Iterable[GuardEvent]) -> None:
        """Insert ``events`` in order, in one transaction (one multi-row insert, not an ORM object each)."""
        rows = []
        for e in events:
            data = e.to_json()
            data.pop("id")
            rows.append(data)
        if not rows:
            return
        with self._session("saving guard events") as s:
            s.execute(insert(GuardEventRow), rows)

    def events(
        self,
        *,
        key: str | None = None,
        since: str | None = None,
        verdict: str | None = None,
        after_id: int | None = None,
        limit: int = 1000,
    ) -> list[GuardEvent]:
        """Events, oldest first, filtered by key name, time (ISO, inclusive), verdict, id."""
        query = select(GuardEventRow)
        if key:
            query = query.where(GuardEventRow.key_name == key)
        if since:
            query = query.where(GuardEventRow.ts >= since)
        if verdict:
            query = query.where(GuardEventRow.verdict == verdict)
        if after_id is not None:
            query = query.where(GuardEventRow.id > after_id)
        query = query.order_by(GuardEventRow.id.desc()).limit(limit)
        with self._session("reading guard events") as s:
            rows = list(s.scalars(query))
        return [_event(r) for r in reversed(rows)]


def _record(row: GuardKeyRow) -> KeyRecord:
    return KeyRecord(
        key_id=row.key_id,
        name=row.name,
        salt=row.salt,
        key_hash=row.key_hash,
        models=tuple(row.models or ()),
        rpm=row.rpm,
        tpm=row.tpm,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def _event(row: GuardEventRow) -> GuardEvent:
    return GuardEvent(
        id=row.id,
        ts=row.ts,
        request_id=row.request_id,
        api=row.api,
        path=row.path,
        status=row.status,
        verdict=row.verdict,
        latency_ms=row.latency_ms,
        key_name=row.key_name,
        caller=row.caller,
        route=row.route,
        provider=row.provider,
        upstream_url=row.upstream_url,
        model=row.model,
        stream=row.stream,
        reason=row.reason,
        tokens_in=row.tokens_in,
        tokens_out=row.tokens_out,
        detections=list(row.detections or []),
        content_sha256=row.content_sha256,
        content=row.content,
    )
