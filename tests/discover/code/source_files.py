"""Helpers of the repository-analyzer tests: files written under a temporary root, analysed."""

from __future__ import annotations

from pathlib import Path

from aispm.core.model import Inventory
from aispm.discover.code.base import FileAnalyzer, SourceFile

REPO = "github.com/acme/app"


def write_file(root: Path, rel: str, content: str | bytes, repo_key: str = REPO) -> SourceFile:
    """``content`` written at ``root/rel`` (folders created; text as UTF-8), as a source file."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return SourceFile(root, path, rel, path.stat().st_size, repo_key)


def run_analyzer(analyzer: FileAnalyzer, *files: SourceFile, out: Inventory | None = None) -> Inventory:
    """What ``analyzer`` finds in ``files`` (each must be one it wants), added to ``out`` or to a
    new inventory."""
    out = Inventory() if out is None else out
    for file in files:
        assert analyzer.wants(file), file.rel
        analyzer.analyze(file, out)
    return out
