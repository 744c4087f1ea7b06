"""Package dependencies: manifests and lock files become ``package`` assets with advisories.

Files read: ``requirements*.txt`` / ``*requirements*.in`` / ``requirements/*.txt``,
``pyproject.toml``, ``poetry.lock``, ``uv.lock``, ``Pipfile.lock``, ``package.json``,
``package-lock.json``, ``npm-shrinkwrap.json``, ``yarn.lock`` and ``pnpm-lock.yaml``.

Which packages become assets: every **AI package** (named in ``ai_catalog.yaml`` or in
``ai_packages.yaml``), pinned or not, and every other package whose exact version has a known
advisory.  Listing every transitive dependency of a lock file would bury the AI inventory in
hundreds of unrelated packages; a vulnerable one is still worth a node because a posture rule
reports it.  Unpinned dependencies (a range in a manifest that no lock file resolves) never
claim vulnerabilities: their asset has ``unpinned: true`` and an empty list.

Lock files win: a manifest's range is replaced by the version that a lock file of the same
ecosystem in the same directory resolves, so ``pyproject.toml`` and ``poetry.lock`` describe
the same ``pkg:pypi/torch@2.0.1`` asset with both files in ``manifests``.

``-r`` includes of requirements files are followed when they stay inside the scanned tree;
includes that leave it (or are URLs) are reported in a warning and not read.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

from aispm.advisories import AdvisoryDB, normalise_name
from aispm.core.ids import urn
from aispm.core.model import JSON, Asset, AssetKind, Inventory, RelationKind
from aispm.data import load_yaml
from aispm.discover.code.base import SourceFile, UnreadableFile
from aispm.discover.code.catalog import load_catalog
from aispm.discover.code.manifests import NPM, PYPI, Dependency, ManifestError
from aispm.discover.code.manifests.npm import (
    parse_package_json,
    parse_package_lock,
    parse_pnpm_lock,
    parse_yarn_lock,
)
from aispm.discover.code.manifests.python import (
    parse_pipfile_lock,
    parse_pyproject,
    parse_requirements,
    parse_toml_lock,
)

SOURCE = "dependencies"
LOCK_MAX_BYTES = 32 * 1024 * 1024
"""Lock files of large projects exceed the 2 MiB text limit; larger than this is refused."""
MAX_INCLUDE_DEPTH = 8

Parser = Callable[[str], list[Dependency]]

LOCK_FILES: dict[str, tuple[str, Parser]] = {
    "poetry.lock": (PYPI, parse_toml_lock),
    "uv.lock": (PYPI, parse_toml_lock),
    "Pipfile.lock": (PYPI, parse_pipfile_lock),
    "package-lock.json": (NPM, parse_package_lock),
    "npm-shrinkwrap.json": (NPM, parse_package_lock),
    "yarn.lock": (NPM, parse_yarn_lock),
    "pnpm-lock.yaml": (NPM, parse_pnpm_lock),
}
MANIFESTS: dict[str, tuple[str, Parser]] = {
    "pyproject.toml": (PYPI, parse_pyproject),
    "package.json": (NPM, parse_package_json),
}
MISSING_DB_MESSAGE = (
    "no advisory database is available, so package versions were not checked for known "
    "vulnerabilities; run `aispm db update` once (needs network) or pass --advisories DIR "
    "(a directory of OSV JSON files or OSV all.zip exports)"
)


class AIPackages:
    """The extra list of AI/ML packages (``data/ai_packages.yaml``)."""

    def __init__(self, pypi: list[str], npm: list[str]) -> None:
        self._exact = {(PYPI, normalise_name(PYPI, n)) for n in pypi if "*" not in n}
        self._exact |= {(NPM, n) for n in npm if "*" not in n}
        self._patterns = [(PYPI, normalise_name(PYPI, n.rstrip("*")) + "*") for n in pypi if "*" in n]
        self._patterns += [(NPM, n) for n in npm if "*" in n]

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, tuple) or len(item) != 2:
            return False
        ecosystem, name = str(item[0]), str(item[1])
        key = normalise_name(PYPI, name) if ecosystem == PYPI else name
        if (ecosystem, key) in self._exact:
            return True
        return any(eco == ecosystem and fnmatch.fnmatchcase(key, pat) for eco, pat in self._patterns)


@cache
def load_ai_packages() -> AIPackages:
    data = load_yaml("ai_packages.yaml")
    return AIPackages(list(data.get("pypi", [])), list(data.get("npm", [])))


def purl(ecosystem: str, name: str, version: str | None) -> str:
    """Package URL: ``pkg:pypi/<normalised>@v`` or ``pkg:npm/%40scope/name@v``."""
    if ecosystem == PYPI:
        path = normalise_name(PYPI, name)
        kind = "pypi"
    else:
        kind = "npm"
        scope, _, base = name.lower().rpartition("/")
        path = f"{quote(scope, safe='')}/{quote(base, safe='')}" if scope else quote(base, safe="")
    text = f"pkg:{kind}/{path}"
    return f"{text}@{quote(version, safe='.-_~!')}" if version else text


def is_requirements_file(file: SourceFile) -> bool:
    if file.suffix not in (".txt", ".in"):
        return False
    parent = file.rel.rsplit("/", 2)[-2] if "/" in file.rel else ""
    return "requirements" in file.name.lower() or parent.lower() == "requirements"


@dataclass(frozen=True, slots=True)
class _Found:
    dependency: Dependency
    manifest: str
    """Relative path of the file that declares it."""


class DependencyAnalyzer:
    """FileAnalyzer of manifests and lock files (see the module docstring for what it emits)."""

    name = SOURCE

    def __init__(self, advisories: AdvisoryDB | None) -> None:
        self.advisories = advisories
        self.files_read = 0
        """Manifests and lock files analysed so far (for :meth:`warn_if_missing`)."""
        self._lock_cache: dict[tuple[str, int, int], dict[str, str]] = {}

    # -- FileAnalyzer ---------------------------------------------------------------------

    def wants(self, file: SourceFile) -> bool:
        return file.name in LOCK_FILES or file.name in MANIFESTS or is_requirements_file(file)

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        self.files_read += 1
        try:
            found = self._read(file, out)
        except ManifestError as exc:
            out.warn(SOURCE, f"{file.name}: {exc}; its dependencies are not listed", file.location(exc.line))
            return
        for item in found:
            self._emit(file, item, out)

    def warn_if_missing(self, out: Inventory) -> None:
        """Once per scan, after the walk: say that vulnerabilities were not checked, when no
        advisory database was given and at least one manifest was read."""
        if self.advisories is None and self.files_read:
            out.warn(SOURCE, MISSING_DB_MESSAGE)

    # -- reading --------------------------------------------------------------------------

    def _read(self, file: SourceFile, out: Inventory) -> list[_Found]:
        if file.name in LOCK_FILES:
            _, parser = LOCK_FILES[file.name]
            return [_Found(d, file.rel) for d in parser(file.text(limit=LOCK_MAX_BYTES))]
        if file.name in MANIFESTS:
            ecosystem, parser = MANIFESTS[file.name]
            declared = [_Found(d, file.rel) for d in parser(file.text())]
        else:
            ecosystem = PYPI
            declared = self._read_requirements(file, out, set(), 0)
        return self._apply_locks(file, ecosystem, declared)

    def _read_requirements(
        self, file: SourceFile, out: Inventory, seen: set[Path], depth: int
    ) -> list[_Found]:
        seen.add(file.path.resolve())
        parsed = parse_requirements(file.text())
        if parsed.skipped:
            line, reason = parsed.skipped[0]
            more = f" (and {len(parsed.skipped) - 1} more lines)" if len(parsed.skipped) > 1 else ""
            out.warn(SOURCE, f"{file.name}: line {line} skipped: {reason}{more}", file.location(line))
        found = [_Found(d, file.rel) for d in parsed.dependencies]
        for include in parsed.includes:
            if include.constraint:
                continue
            target = self._include_target(file, include.path)
            if target is None:
                out.warn(
                    SOURCE,
                    f"{file.name}: -r {include.path} points outside the scanned tree; not followed",
                    file.location(include.line),
                )
            elif target.path.resolve() in seen:
                continue
            elif depth >= MAX_INCLUDE_DEPTH:
                out.warn(SOURCE, f"{file.name}: -r includes nested too deeply", file.location(include.line))
            elif not target.path.is_file():
                out.warn(SOURCE, f"{file.name}: -r {include.path} not found", file.location(include.line))
            else:
                try:
                    found.extend(self._read_requirements(target, out, seen, depth + 1))
                except UnreadableFile as exc:
                    out.warn(SOURCE, f"{target.name}: {exc}", target.location())
        return found

    @staticmethod
    def _include_target(file: SourceFile, reference: str) -> SourceFile | None:
        """The included file as a :class:`SourceFile`, or None when it leaves the tree."""
        if "://" in reference:
            return None
        root = file.root.resolve()
        path = (file.path.parent / reference).resolve()
        if not path.is_relative_to(root):
            return None
        size = path.stat().st_size if path.is_file() else 0
        rel = path.relative_to(root).as_posix()
        return SourceFile(root=file.root, path=path, rel=rel, size=size, repo_key=file.repo_key)

    def _apply_locks(self, file: SourceFile, ecosystem: str, declared: list[_Found]) -> list[_Found]:
        locked = self._sibling_locks(file, ecosystem)
        if not locked:
            return declared
        resolved: list[_Found] = []
        for item in declared:
            dep = item.dependency
            version = locked.get(normalise_name(ecosystem, dep.name))
            if version is not None:
                dep = Dependency(dep.ecosystem, dep.name, version, dep.specifier, dep.line)
            resolved.append(_Found(dep, item.manifest))
        return resolved

    def _sibling_locks(self, file: SourceFile, ecosystem: str) -> dict[str, str]:
        """Versions resolved by lock files of ``ecosystem`` next to ``file`` (first one wins).

        A lock file that cannot be read is ignored here; its own analysis reports it."""
        versions: dict[str, str] = {}
        root = file.root.resolve()
        for lock_name, (lock_ecosystem, parser) in LOCK_FILES.items():
            path = file.path.parent / lock_name
            if lock_ecosystem != ecosystem or not path.is_file():
                continue
            try:
                if not path.resolve().is_relative_to(root):
                    continue
                st = path.stat()
                key = (str(path), st.st_size, st.st_mtime_ns)
                if key not in self._lock_cache:
                    lock = SourceFile(file.root, path, "", st.st_size, file.repo_key)
                    table: dict[str, str] = {}
                    for dep in parser(lock.text(limit=LOCK_MAX_BYTES)):
                        if dep.version:
                            table.setdefault(normalise_name(ecosystem, dep.name), dep.version)
                    self._lock_cache[key] = table
            except (OSError, ManifestError, UnreadableFile):
                continue
            for name, version in self._lock_cache[key].items():
                versions.setdefault(name, version)
        return versions

    # -- emitting -------------------------------------------------------------------------

    def _emit(self, file: SourceFile, item: _Found, out: Inventory) -> None:
        dep = item.dependency
        catalog = load_catalog()
        entry = catalog.for_pypi(dep.name) if dep.ecosystem == PYPI else catalog.for_npm(dep.name)
        ai = entry is not None or (dep.ecosystem, dep.name) in load_ai_packages()
        vulnerabilities: list[JSON] = []
        if dep.version and self.advisories is not None:
            advisories = self.advisories.affecting(dep.ecosystem, dep.name, dep.version)
            vulnerabilities = [a.to_json(dep.ecosystem, dep.name) for a in advisories]
        if not ai and not vulnerabilities:
            return
        name = normalise_name(PYPI, dep.name) if dep.ecosystem == PYPI else dep.name
        asset_id = urn("package", "package", purl(dep.ecosystem, dep.name, dep.version))
        out.add(
            Asset(
                id=asset_id,
                kind=AssetKind.PACKAGE,
                name=f"{name}@{dep.version}" if dep.version else name,
                provider=dep.ecosystem.lower(),
                location=file.location(dep.line) if item.manifest == file.rel else None,
                properties={
                    "ecosystem": dep.ecosystem,
                    "name": name,
                    "version": dep.version,
                    "specifier": dep.specifier,
                    "ai": ai,
                    "catalog_id": entry.id if entry else None,
                    "manifests": [item.manifest],
                    "vulnerabilities": vulnerabilities,
                    "unpinned": dep.version is None,
                },
                source="code",
            )
        )
        out.relate(file.repo_id, RelationKind.DEPENDS_ON, asset_id, manifest=item.manifest, line=dep.line)
