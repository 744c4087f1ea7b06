"""The user cache directory and the compiled form of the data files.

Parsing YAML costs more than everything else a short command does: importing PyYAML, parsing the
rule metadata and validating it with pydantic took about 0.15 s of a 0.3 s ``aispm model scan``.
:func:`compiled` keeps what a data file parses to as JSON under ``<cache>/compiled/`` (like
Python's ``__pycache__``), keyed by the sha256 of the bytes it was built from and aispm's version,
so later runs read JSON with the C decoder.  Only values that JSON represents exactly are kept
(a value with integer keys, say, is rebuilt every time); an unreadable, corrupt or stale entry is
rebuilt and replaced.  Nothing here is ever executed: it is JSON data.

The directory is ``$AISPM_CACHE_DIR`` when set, else the platform's user cache directory
(``~/.cache/aispm`` on Linux).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from aispm import __version__

CACHE_ENV = "AISPM_CACHE_DIR"
"""Environment variable naming the cache directory (the platform's user cache dir otherwise)."""
_FORMAT = "1"
"""Bumped when the layout of compiled entries changes."""


def cache_dir() -> Path:
    """aispm's cache directory (not created here)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("aispm"))


def compiled(name: str, inputs: Sequence[bytes], build: Callable[[], Any]) -> Any:
    """``build()``, remembered across runs while ``inputs`` (the bytes it is built from, and what
    interprets them) stay the same.  ``name`` names the cache entry (``yaml-pickle_callables.yaml``)."""
    digest = hashlib.sha256(f"{_FORMAT}\0{__version__}\0{name}\0".encode())
    for data in inputs:
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    key = digest.hexdigest()
    path = cache_dir() / "compiled" / f"{name}.json"
    try:
        doc = json.loads(path.read_bytes())
        if isinstance(doc, dict) and doc.get("key") == key and "value" in doc:
            return doc["value"]
    except (OSError, ValueError, RecursionError):
        pass  # absent or corrupt: rebuilt below
    value = build()
    try:
        text = json.dumps({"key": key, "value": value}, ensure_ascii=False, allow_nan=False)
        if json.loads(text)["value"] == value:  # JSON gives back exactly this value
            write_atomic(path, text.encode("utf-8"))
    except (TypeError, ValueError, RecursionError, OSError):
        pass  # not representable, or the cache is not writable: just not kept
    return value


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so a reader (another
    aispm running at the same time) sees the old file or the new one, never half of one.
    Directories are created private to the user.  Raises OSError."""
    import contextlib
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
