"""Walk a repository safely: no symlink loops, no escaping the root, vendored folders skipped."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from aispm.discover.repository import repository_key as repository_key

SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
        ".nox",
        "site-packages",
        "dist-packages",
        ".ipynb_checkpoints",
        ".terraform",
    }
)


@dataclass(frozen=True, slots=True)
class WalkIssue:
    rel: str
    message: str


@dataclass(frozen=True, slots=True)
class WalkedFile:
    path: Path
    rel: str
    size: int


def walk(root: Path) -> Iterator[WalkedFile | WalkIssue]:
    """Yield every regular file below ``root`` (symlinks followed only inside the root, once)."""
    root = root.resolve()
    seen_dirs: set[tuple[int, int]] = set()
    stack: list[tuple[Path, str]] = [(root, ".")]
    while stack:
        directory, dir_rel = stack.pop()
        try:
            st = directory.stat()
        except OSError as exc:
            yield WalkIssue(dir_rel, f"cannot read directory: {exc.strerror or exc}")
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in seen_dirs:
            yield WalkIssue(dir_rel, "symlink loop: directory already visited")
            continue
        seen_dirs.add(ident)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            yield WalkIssue(dir_rel, f"cannot list directory: {exc.strerror or exc}")
            continue
        # paths relative to the root are built from the directory's, not with a pathlib
        # ``relative_to`` per file
        prefix = "" if dir_rel == "." else dir_rel + "/"
        subdirs: list[tuple[Path, str]] = []
        for entry in entries:
            path = Path(entry.path)
            rel = prefix + entry.name
            try:
                if entry.is_symlink():
                    target = path.resolve(strict=True)
                    if not target.is_relative_to(root):
                        yield WalkIssue(rel, "symlink points outside the scanned tree; not followed")
                        continue
                if entry.is_dir():
                    if entry.name not in SKIPPED_DIRS:
                        subdirs.append((path, rel))
                elif entry.is_file():
                    yield WalkedFile(path, rel, entry.stat().st_size)
            except (OSError, RuntimeError) as exc:
                message = getattr(exc, "strerror", None) or str(exc)
                yield WalkIssue(rel, f"cannot follow: {message}")
        stack.extend(reversed(subdirs))
