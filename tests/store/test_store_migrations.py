"""The packaged migrations create the schema on open, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from aispm.core.model import ScanResult
from aispm.store import Store, migrate
from aispm.store.url import resolve

TABLES = {
    "scans",
    "scan_assets",
    "scan_relationships",
    "scan_findings",
    "scan_rules",
    "scan_warnings",
    "finding_states",
    "alembic_version",
}


def test_open_creates_schema_at_head(store_url: str) -> None:
    Store.open(store_url).close()
    engine = create_engine(resolve(store_url))
    try:
        schema = inspect(engine)
        assert set(schema.get_table_names()) >= TABLES
        finding_indexes = {ix["name"] for ix in schema.get_indexes("scan_findings")}
        assert finding_indexes >= {"ix_scan_findings_scan_fingerprint", "ix_scan_findings_scan_asset"}
        assert schema.get_pk_constraint("scan_assets")["constrained_columns"] == ["scan_id", "asset_id"]
        assert schema.get_pk_constraint("finding_states")["constrained_columns"] == ["fingerprint"]
        with engine.connect() as conn:
            assert migrate.current(conn) == migrate.head()
    finally:
        engine.dispose()


def test_reopening_keeps_data(store_url: str, make_result: Callable[..., ScanResult]) -> None:
    with Store.open(store_url) as store:
        scan_id = store.save_scan(make_result())
    with Store.open(store_url) as store:
        assert [s.id for s in store.list_scans()] == [scan_id]


def test_migrations_run_without_alembic_ini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with Store.open(str(tmp_path / "h.db")) as store:
        assert store.list_scans() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.db"]
