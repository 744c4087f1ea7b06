"""The file-analyzer interface of repository discovery.

The walker (:mod:`aispm.discover.code.walker`) finds files; each :class:`FileAnalyzer` that
``wants`` a file reads it through :class:`SourceFile` (which enforces size limits and never runs
anything) and adds assets, relationships and warnings to the inventory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from aispm.core.ids import urn
from aispm.core.model import Inventory, Location

MAX_TEXT_BYTES = 2 * 1024 * 1024
"""Text files larger than this are not parsed (a warning says so)."""


class UnreadableFile(Exception):
    """The file could not be read as text; the message says why, for a per-file warning."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file of the repository being scanned."""

    root: Path
    """The scan root (absolute)."""
    path: Path
    """The file (absolute)."""
    rel: str
    """Path relative to the root, with ``/`` separators: used in ids, locations and reports."""
    size: int
    repo_key: str
    """Stable name of the repository (its origin URL or directory name)."""
    _cache: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def repo_id(self) -> str:
        return urn("code", "repository", self.repo_key)

    @property
    def id(self) -> str:
        """Asset id of this file."""
        return urn("code", "source_file", self.repo_key, self.rel)

    @property
    def name(self) -> str:
        cached = self._cache.get("name")
        if isinstance(cached, str):
            return cached
        name = self._cache["name"] = self.path.name
        return name

    @property
    def suffix(self) -> str:
        cached = self._cache.get("suffix")
        if isinstance(cached, str):
            return cached
        suffix = self._cache["suffix"] = self.path.suffix.lower()
        return suffix

    def location(self, line: int | None = None) -> Location:
        return Location(path=self.rel, line=line)

    def _contents(self) -> bytes | OSError | None:
        """The whole file, read once and kept, when it is small enough to be parsed as text
        (``None`` when it is larger: heads of large files are read on their own)."""
        cached = self._cache.get("bytes")
        if isinstance(cached, bytes | OSError):
            return cached
        if self.size > MAX_TEXT_BYTES:
            return None
        try:
            data: bytes | OSError = self.path.read_bytes()
        except OSError as exc:
            data = exc
        self._cache["bytes"] = data
        return data

    def head(self, size: int = 512) -> bytes:
        """The first bytes of the file (for magic-number checks); empty if unreadable."""
        contents = self._contents()
        if contents is not None:
            return b"" if isinstance(contents, OSError) else contents[:size]
        key = f"head:{size}"
        cached = self._cache.get(key)
        if isinstance(cached, bytes):
            return cached
        try:
            with self.path.open("rb") as fh:
                data = fh.read(size)
        except OSError:
            data = b""
        self._cache[key] = data
        return data

    def text(self, limit: int = MAX_TEXT_BYTES) -> str:
        """The file decoded as UTF-8 text.

        Raises :class:`UnreadableFile` when the file is too large, binary (has NUL bytes) or
        cannot be read; the caller turns that into a per-file warning.
        """
        cached = self._cache.get("text")
        if isinstance(cached, str):
            return cached
        if isinstance(cached, UnreadableFile):
            raise cached
        try:
            if self.size > limit:
                raise UnreadableFile(f"file is {self.size:,} bytes, larger than the {limit:,}-byte limit")
            contents = self._contents()
            if contents is None:
                try:
                    contents = self.path.read_bytes()
                except OSError as exc:
                    contents = exc
            if isinstance(contents, OSError):
                raise UnreadableFile(f"cannot read: {contents.strerror or contents}")
            if b"\x00" in contents[:8192]:
                raise UnreadableFile("binary content in a file with a text extension")
            text = contents.decode("utf-8", errors="replace")
        except UnreadableFile as exc:
            self._cache["text"] = exc
            raise
        self._cache["text"] = text
        return text


class FileAnalyzer(Protocol):
    """Reads one kind of file and adds what it finds to the inventory."""

    name: str
    """Short name used in warnings (``python``, ``secrets`` ...)."""

    def wants(self, file: SourceFile) -> bool:
        """Cheap test (name, extension, first bytes) whether this analyzer reads the file."""
        ...

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        """Add assets, relationships and warnings for the file to ``out``.

        May raise :class:`UnreadableFile`; any other exception is a bug, but the walker still
        turns it into a warning and goes on with the next file.
        """
        ...


def ensure_file_asset(file: SourceFile, out: Inventory, **properties: object) -> str:
    """Add the asset of ``file`` (a notebook or source file) and its ``contains`` edge from the
    repository; returns the file's asset id.  Analyzers call this only when they found
    something AI-related in the file, so the inventory does not list every file of a repo."""
    from aispm.core.model import Asset, AssetKind, RelationKind

    kind = AssetKind.NOTEBOOK if file.suffix == ".ipynb" else AssetKind.SOURCE_FILE
    out.add(
        Asset(
            id=file.id,
            kind=kind,
            name=file.rel,
            provider="local",
            location=file.location(),
            properties=dict(properties),
            source="code",
        )
    )
    out.relate(file.repo_id, RelationKind.CONTAINS, file.id)
    return file.id
