"""Opening a store: URL forms, and clear errors for what a user can get wrong."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from aispm.store import Store, StoreError
from aispm.store.url import mask, resolve


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_url_forms(tmp_path: Path) -> None:
    assert resolve(str(tmp_path / "a.db")).render_as_string() == f"sqlite+pysqlite:///{tmp_path}/a.db"
    assert resolve("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert resolve("postgres://u@h:5433/db").drivername == "postgresql+psycopg"
    assert resolve("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert resolve("sqlite://").get_backend_name() == "sqlite"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_DATA_HOME decides the data directory on Linux")
def test_default_location_is_the_user_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    url = resolve(None)
    assert url.database == str(tmp_path / "data" / "aispm" / "aispm.db")
    assert (tmp_path / "data" / "aispm").is_dir()


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_plain_postgres_urls_use_psycopg(postgres_url: str, scheme: str) -> None:
    plain = postgres_url.replace("postgresql+psycopg", scheme, 1)
    with Store.open(plain) as store:
        assert store.display_url.startswith("postgresql+psycopg://")
        assert store.list_scans() == []


def test_in_memory_sqlite_works() -> None:
    with Store.open("sqlite://") as store:
        assert store.list_scans() == []


def test_mask_hides_passwords() -> None:
    assert mask("postgresql://alice:s3cret@db/aispm") == "postgresql://alice:***@db/aispm"
    assert "s3cret" not in mask("postgresql://alice:s3cret@[bad/x")


def test_unreachable_postgres_is_a_clear_error() -> None:
    port = _free_port()
    with pytest.raises(StoreError) as err:
        Store.open(f"postgresql://alice:s3cret@127.0.0.1:{port}/aispm")
    message = str(err.value)
    assert (
        f"cannot connect to the database at postgresql+psycopg://alice:***@127.0.0.1:{port}/aispm" in message
    )
    assert "s3cret" not in message
    assert "Check that the server is running" in message


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("mysql://u:pw@h/db", "unsupported database 'mysql'"),
        ("postgresql://u:pw@h:notaport/db", "not a valid database URL"),
        ("   ", "pass a SQLite file path or a database URL"),
    ],
)
def test_bad_urls(spec: str, expected: str) -> None:
    with pytest.raises(StoreError, match=expected) as err:
        Store.open(spec)
    assert "pw" not in str(err.value)


def test_missing_directory_and_directory_paths(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(str(tmp_path / "missing" / "a.db"))
    with pytest.raises(StoreError, match="is a directory"):
        Store.open(str(tmp_path))
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(f"sqlite:///{tmp_path}/missing/a.db")


def test_foreign_file_is_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "not-a-db.db"
    garbage.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"not-a-db\.db.*not a database"):
        Store.open(str(garbage))


def test_unwritable_directory(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        directory = locked if not _writable(locked) else Path("/proc")
        if not directory.is_dir():
            pytest.skip("no unwritable directory available")
        with pytest.raises(StoreError, match=r"cannot open the SQLite database .* writable"):
            Store.open(str(directory / "aispm-test.db"))
    finally:
        locked.chmod(0o700)


def _writable(directory: Path) -> bool:
    """Whether files can be created in ``directory`` (root can write to a 0500 directory)."""
    try:
        (directory / ".probe").touch()
    except OSError:
        return False
    (directory / ".probe").unlink()
    return True


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    Store.open(str(path)).close()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer aispm"):
        Store.open(str(path))
