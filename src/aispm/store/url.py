"""Turning what a user passes as ``--db`` into a SQLAlchemy URL, and showing URLs safely."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from aispm.store.errors import StoreError

DEFAULT_FILE = "aispm.db"
"""Name of the SQLite file in the user data directory when no database is given."""

_POSTGRES_ALIASES = ("postgresql", "postgres")
_POSTGRES_DRIVER = "postgresql+psycopg"


def default_path() -> Path:
    """Where the history lives when no ``--db`` is given: ``aispm.db`` in the user data dir."""
    return Path(platformdirs.user_data_dir("aispm")) / DEFAULT_FILE


def resolve(spec: str | None) -> URL:
    """The database URL for ``spec``.

    ``None`` is the default SQLite file (its directory is created); a string without ``://`` is
    a SQLite file path; ``sqlite://`` and ``postgresql://`` URLs are used as given, with
    ``postgresql://`` and ``postgres://`` switched to the psycopg 3 driver.  Raises
    :class:`StoreError` for a malformed URL, an unsupported database or a missing directory.
    """
    if spec is None:
        path = default_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the data directory {path.parent}: {exc.strerror or exc}. "
                "Pass --db with a writable path or a database URL."
            ) from None
        return _sqlite_file(path)
    spec = spec.strip()
    if not spec:
        raise StoreError("the database is empty; pass a SQLite file path or a database URL to --db.")
    if "://" not in spec:
        return _sqlite_file(Path(spec).expanduser())
    try:
        url = make_url(spec)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(
            f"{mask(spec)} is not a valid database URL ({exc}). "
            "Use a SQLite file path, sqlite:///path/to/file.db or postgresql://user@host/dbname."
        ) from None
    backend = url.get_backend_name()
    if url.drivername in _POSTGRES_ALIASES:
        url = url.set(drivername=_POSTGRES_DRIVER)
    elif backend not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported database {backend!r} in {mask(spec)}; aispm stores history in SQLite or "
            "PostgreSQL (sqlite:///file.db, postgresql://user@host/dbname)."
        )
    if backend == "sqlite" and url.database not in (None, "", ":memory:"):
        _check_directory(Path(url.database).expanduser())
    return url


def mask(url: URL | str) -> str:
    """The URL for messages, with any password replaced by ``***``."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # Unparseable: hide whatever sits between ``://user:`` and ``@``.
        scheme, sep, rest = url.partition("://")
        creds, at, host = rest.rpartition("@")
        if not sep or not at or ":" not in creds:
            return url
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"


def is_memory(url: URL) -> bool:
    """Whether ``url`` is an in-memory SQLite database (one shared connection must be kept)."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _sqlite_file(path: Path) -> URL:
    _check_directory(path)
    return URL.create("sqlite+pysqlite", database=str(path))


def _check_directory(path: Path) -> None:
    if path.is_dir():
        raise StoreError(
            f"{path} is a directory; pass the path of a SQLite file inside it, e.g. {path}/aispm.db."
        )
    if not path.parent.is_dir():
        raise StoreError(
            f"cannot open the SQLite database {path}: the directory {path.parent} does not exist. "
            "Create it first or pass another path to --db."
        )
