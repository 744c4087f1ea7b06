"""Which repository a path lies in, and the repository's stable name.

Shared by the repository collector (``aispm scan``) and ``aispm model scan``, so a file gets the
same asset id from both; kept apart from ``discover/code`` so a model scan does not load the
repository analyzers."""

from __future__ import annotations

import re
from pathlib import Path

_CREDENTIALS_IN_URL = re.compile(r"//[^/@]+@")
_MAX_REPO_DEPTH = 64


def repository_root(path: Path) -> Path:
    """The git checkout ``path`` lies in, else the folder itself (or the file's folder)."""
    start = path if path.is_dir() else path.parent
    current = start.resolve()
    for _ in range(_MAX_REPO_DEPTH):
        if (current / ".git").exists():
            return current
        if current.parent == current:
            break
        current = current.parent
    return start.resolve()


def repository_key(root: Path) -> str:
    """A stable name for the repository: its ``origin`` remote (read from .git/config, without
    running git, credentials stripped) or else the directory name."""
    config = root / ".git" / "config"
    if config.is_file():
        import configparser

        parser = configparser.ConfigParser(strict=False, interpolation=None)
        try:
            parser.read(config, encoding="utf-8")
            url = parser.get('remote "origin"', "url", fallback="")
        except (configparser.Error, OSError, UnicodeDecodeError):
            url = ""
        if url:
            url = _CREDENTIALS_IN_URL.sub("//", url.strip())
            return url.removesuffix(".git")
    return root.resolve().name or "root"
