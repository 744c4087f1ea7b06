"""The offline advisory database: OSV records from JSON files or OSV's ``all.zip`` exports.

Records are indexed by (ecosystem, normalised package name).  A zip export is never extracted:
its members are read in memory, each capped at :data:`MAX_RECORD_BYTES`.  Reading every member
of a large export (npm holds hundreds of thousands of records) is slow, so ``aispm db update``
writes a side-car index (``<zip>.index.json``) naming the members of each package; with it a
scan parses only the records of the packages it asks about.  Without a (current) index the zip
is indexed in memory when loaded.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from aispm.advisories.osv import Advisory, MalformedRecord, normalise_name, parse_record

MAX_RECORD_BYTES = 4 * 1024 * 1024
"""An OSV record larger than this is skipped as malformed."""
INDEX_SUFFIX = ".index.json"
INDEX_FORMAT = 1
METADATA_FILE = "metadata.json"

Key = tuple[str, str]


class AdvisoryLoadError(Exception):
    """The path holds no usable advisory database; the message says why."""


def default_dir() -> Path:
    """Where ``aispm db update`` keeps the downloads: ``<user cache>/aispm/advisories``."""
    return Path(platformdirs.user_cache_dir("aispm")) / "advisories"


def zip_name(ecosystem: str) -> str:
    return f"{ecosystem}-all.zip"


@dataclass(slots=True)
class ZipIndex:
    """Which members of a zip export hold the records of each package."""

    members: dict[Key, list[str]] = field(default_factory=dict)
    records: int = 0
    skipped: int = 0

    def to_json(self, zip_path: Path) -> dict[str, Any]:
        st = zip_path.stat()
        by_eco: dict[str, dict[str, list[str]]] = {}
        for (eco, name), names in sorted(self.members.items()):
            by_eco.setdefault(eco, {})[name] = names
        return {
            "format": INDEX_FORMAT,
            "zip_size": st.st_size,
            "zip_mtime_ns": st.st_mtime_ns,
            "records": self.records,
            "skipped": self.skipped,
            "index": by_eco,
        }

    @classmethod
    def from_json(cls, data: Any, zip_path: Path) -> ZipIndex | None:
        """The index if ``data`` is a well-formed side-car of the zip as it is now, else None."""
        try:
            st = zip_path.stat()
            if (
                data["format"] != INDEX_FORMAT
                or data["zip_size"] != st.st_size
                or data["zip_mtime_ns"] != st.st_mtime_ns
            ):
                return None
            members = {
                (str(eco), str(name)): [str(m) for m in names]
                for eco, packages in data["index"].items()
                for name, names in packages.items()
            }
            return cls(members, int(data["records"]), int(data["skipped"]))
        except (KeyError, TypeError, AttributeError, ValueError, OSError):
            return None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Any:
    """The parsed JSON of a member; raises MalformedRecord when too large or not JSON."""
    if info.file_size > MAX_RECORD_BYTES:
        raise MalformedRecord(f"{info.filename}: larger than {MAX_RECORD_BYTES:,} bytes")
    with archive.open(info) as fh:
        data = fh.read(MAX_RECORD_BYTES + 1)  # the header's size may lie
    if len(data) > MAX_RECORD_BYTES:
        raise MalformedRecord(f"{info.filename}: larger than {MAX_RECORD_BYTES:,} bytes")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise MalformedRecord(f"{info.filename}: not JSON ({exc})") from None


def _record_members(archive: zipfile.ZipFile) -> Iterator[zipfile.ZipInfo]:
    for info in archive.infolist():
        if not info.is_dir() and info.filename.endswith(".json"):
            yield info


def build_zip_index(path: Path) -> ZipIndex:
    """Read every record of a zip export once and note which packages it affects.

    Raises :class:`AdvisoryLoadError` when the file is not a readable zip archive."""
    index = ZipIndex()
    try:
        with zipfile.ZipFile(path) as archive:
            for info in _record_members(archive):
                try:
                    advisory = parse_record(_read_member(archive, info))
                except (MalformedRecord, zipfile.BadZipFile, OSError, EOFError, RuntimeError):
                    index.skipped += 1
                    continue
                if advisory is None:
                    continue
                index.records += 1
                for key in {a.key for a in advisory.affected}:
                    index.members.setdefault(key, []).append(info.filename)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise AdvisoryLoadError(f"{path}: not a readable zip archive ({exc})") from None
    return index


def write_zip_index(path: Path) -> ZipIndex:
    """Index a zip export and store the side-car next to it (atomically)."""
    index = build_zip_index(path)
    sidecar = path.with_name(path.name + INDEX_SUFFIX)
    tmp = sidecar.with_name(sidecar.name + ".part")
    tmp.write_text(json.dumps(index.to_json(path), separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, sidecar)
    return index


def load_zip_index(path: Path) -> ZipIndex:
    """The side-car index of ``path`` when it is current, else a fresh in-memory index."""
    sidecar = path.with_name(path.name + INDEX_SUFFIX)
    if sidecar.is_file():
        try:
            cached = ZipIndex.from_json(json.loads(sidecar.read_text(encoding="utf-8")), path)
        except (OSError, ValueError, RecursionError):
            cached = None
        if cached is not None:
            return cached
    return build_zip_index(path)


class _ZipSource:
    """Records of one zip export, parsed on demand and cached."""

    def __init__(self, path: Path, index: ZipIndex) -> None:
        self.path = path
        self.index = index
        self._archive: zipfile.ZipFile | None = None
        self._parsed: dict[str, Advisory | None] = {}

    def lookup(self, key: Key) -> list[Advisory]:
        names = self.index.members.get(key)
        if not names:
            return []
        found: list[Advisory] = []
        for name in names:
            if name not in self._parsed:
                self._parsed[name] = self._parse(name)
            advisory = self._parsed[name]
            if advisory is not None:
                found.append(advisory)
        return found

    def _parse(self, name: str) -> Advisory | None:
        try:
            if self._archive is None:
                self._archive = zipfile.ZipFile(self.path)
            return parse_record(_read_member(self._archive, self._archive.getinfo(name)))
        except (MalformedRecord, zipfile.BadZipFile, KeyError, OSError, EOFError, RuntimeError):
            return None

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()
            self._archive = None


class AdvisoryDB:
    """OSV advisories indexed by package; answers :meth:`affecting` offline."""

    def __init__(self, origin: str = "") -> None:
        self.origin = origin
        """Where the records came from (a path), for messages."""
        self.records = 0
        self.skipped = 0
        """Records that could not be read (not JSON, too large, not OSV)."""
        self._memory: dict[Key, list[Advisory]] = {}
        self._zips: list[_ZipSource] = []

    # -- building ---------------------------------------------------------------------------

    def add_record(self, data: Any) -> bool:
        """Add one parsed OSV JSON record; False (and counted as skipped) if malformed."""
        try:
            advisory = parse_record(data)
        except MalformedRecord:
            self.skipped += 1
            return False
        if advisory is None:
            return True
        self.records += 1
        for key in {a.key for a in advisory.affected}:
            self._memory.setdefault(key, []).append(advisory)
        return True

    def add_zip(self, path: Path) -> None:
        """Add a zip export (an OSV ``all.zip``); raises :class:`AdvisoryLoadError`."""
        index = load_zip_index(path)
        self.records += index.records
        self.skipped += index.skipped
        self._zips.append(_ZipSource(path, index))

    def add_json_file(self, path: Path) -> None:
        try:
            if path.stat().st_size > MAX_RECORD_BYTES:
                self.skipped += 1
                return
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            self.skipped += 1
            return
        self.add_record(data)

    @classmethod
    def from_records(cls, records: Iterable[Any], origin: str = "") -> AdvisoryDB:
        db = cls(origin)
        for record in records:
            db.add_record(record)
        return db

    @classmethod
    def load(cls, path: Path) -> AdvisoryDB:
        """Load a directory of OSV JSON files, a directory holding ``*-all.zip`` exports, or
        one zip.  Raises :class:`AdvisoryLoadError` when there is nothing usable."""
        path = Path(path)
        db = cls(str(path))
        if path.is_file():
            db.add_zip(path)
            return db
        if not path.is_dir():
            raise AdvisoryLoadError(f"{path}: no such file or directory")
        found = False
        for zip_path in sorted(path.glob("*.zip")):
            db.add_zip(zip_path)
            found = True
        for json_path in sorted(path.rglob("*.json")):
            if json_path.name == METADATA_FILE or json_path.name.endswith(INDEX_SUFFIX):
                continue
            if json_path.is_file():
                db.add_json_file(json_path)
                found = True
        if not found:
            raise AdvisoryLoadError(f"{path}: no OSV records (*.json) or OSV exports (*.zip) in it")
        return db

    @classmethod
    def load_default(cls) -> AdvisoryDB | None:
        """The database that ``aispm db update`` downloaded, or None if there is none (yet)."""
        directory = default_dir()
        if not directory.is_dir() or not any(directory.glob("*.zip")):
            return None
        try:
            return cls.load(directory)
        except AdvisoryLoadError:
            return None

    def close(self) -> None:
        """Close the zip archives kept open for on-demand reads."""
        for source in self._zips:
            source.close()

    # -- querying ---------------------------------------------------------------------------

    def affecting(self, ecosystem: str, name: str, version: str) -> list[Advisory]:
        """Advisories whose affected versions of the package include ``version``.

        Records that are aliases of one another (a PYSEC and a GHSA for the same flaw) are
        reported once, preferring the record that states a severity."""
        key = (ecosystem, normalise_name(ecosystem, name))
        candidates: dict[str, Advisory] = {}
        for advisory in self._memory.get(key, []):
            candidates.setdefault(advisory.id, advisory)
        for source in self._zips:
            for advisory in source.lookup(key):
                candidates.setdefault(advisory.id, advisory)
        matching = [a for a in candidates.values() if a.affects(ecosystem, name, version)]
        matching.sort(key=lambda a: (a.severity is None, a.id))
        kept: list[Advisory] = []
        seen: set[str] = set()
        for advisory in matching:
            names = {advisory.id, *advisory.aliases}
            if names & seen:
                seen |= names
                continue
            seen |= names
            kept.append(advisory)
        return sorted(kept, key=lambda a: a.id)
