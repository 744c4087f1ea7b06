"""Python manifests: requirements files, pyproject.toml (PEP 621, PEP 735, Poetry, uv) and the
lock files of Poetry, uv and Pipenv."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from aispm.discover.code.manifests import PYPI, Dependency, ManifestError, line_of, strip_credentials

_COMMENT = re.compile(r"(^|\s+)#.*$")
_TRAILING_OPTION = re.compile(r"\s+--?[A-Za-z]")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?<=-[rc]))(\S+)")
_LOCK_NAME = re.compile(r'^name\s*=\s*"([^"]+)"', re.MULTILINE)
_TOML_LINE = re.compile(r"at line (\d+)")
_LOCAL_SOURCES = ("editable", "virtual", "directory", "path")


@dataclass(frozen=True, slots=True)
class Include:
    """A ``-r`` (or ``-c``) line of a requirements file."""

    path: str
    line: int
    constraint: bool


@dataclass(slots=True)
class Requirements:
    """What a requirements file declares."""

    dependencies: list[Dependency] = field(default_factory=list)
    includes: list[Include] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    """(line, reason) of lines that are not understood."""


def exact_version(req: Requirement) -> str | None:
    """The version when the specifier is a single ``==x`` / ``===x`` without a wildcard."""
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def _dependency(req: Requirement, line: int | None) -> Dependency:
    specifier = str(req.specifier)
    if req.url:
        specifier = f"@ {strip_credentials(req.url)}"
    return Dependency(PYPI, req.name, exact_version(req), specifier, line)


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """Join ``\\`` continuations and drop comments, keeping the first line's number."""
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        if raw.endswith("\\"):
            buffer.append(raw[:-1])
            continue
        buffer.append(raw)
        line = _COMMENT.sub("", " ".join(buffer)).strip()
        buffer = []
        if line:
            yield start, line
    if buffer:
        line = _COMMENT.sub("", " ".join(buffer)).strip()
        if line:
            yield start, line


def parse_requirements(text: str) -> Requirements:
    """Read a pip requirements file (``requirements*.txt``, ``*.in``)."""
    result = Requirements()
    for number, line in _logical_lines(text):
        include = _INCLUDE.match(line)
        if include:
            result.includes.append(Include(include[2], number, include[1] in ("-c", "--constraint")))
            continue
        if line.startswith("-"):
            continue  # -e, --index-url, --hash, --pre ... say nothing about a named package
        line = _TRAILING_OPTION.split(line, maxsplit=1)[0].strip()
        if "://" in line.split("@", 1)[0] or line.startswith((".", "/", "~")):
            egg = _EGG.search(line)
            if egg:
                result.dependencies.append(Dependency(PYPI, egg[1], None, strip_credentials(line), number))
            continue  # an unnamed URL or local path
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            result.skipped.append((number, f"not a requirement: {str(exc).splitlines()[0]}"))
            continue
        result.dependencies.append(_dependency(req, number))
    return result


def _load_toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = _TOML_LINE.search(str(exc))
        raise ManifestError(f"not valid TOML: {exc}", int(where[1]) if where else None) from None
    except RecursionError:
        raise ManifestError("not valid TOML: nested too deeply") from None


def _pep508_list(text: str, items: Any, found: list[Dependency]) -> None:
    if not isinstance(items, list):
        return
    for item in items:
        if not isinstance(item, str):
            continue  # e.g. a PEP 735 {include-group = "..."}
        try:
            req = Requirement(item)
        except InvalidRequirement:
            continue
        line = line_of(text, f'"{item}"') or line_of(text, f"'{item}'") or line_of(text, item)
        found.append(_dependency(req, line))


def _key_line(text: str, name: str) -> int | None:
    match = re.search(rf"^\s*[\"']?{re.escape(name)}[\"']?\s*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _poetry_constraint(value: Any) -> tuple[str | None, str]:
    """(exact version or None, specifier) of a Poetry dependency value."""
    if isinstance(value, Mapping):
        if isinstance(value.get("version"), str):
            value = value["version"]
        else:
            source = next((k for k in ("git", "url", "path") if isinstance(value.get(k), str)), None)
            return None, f"{source} {strip_credentials(value[source])}" if source else ""
    if isinstance(value, list):
        return None, ", ".join(str(v.get("version", "")) for v in value if isinstance(v, Mapping))
    if not isinstance(value, str):
        return None, ""
    spec = value.strip()
    bare = spec[2:].strip() if spec.startswith("==") else spec
    try:
        Version(bare)
    except InvalidVersion:
        return None, spec
    return bare, spec  # Poetry reads a bare version as an exact pin


def _poetry_table(text: str, table: Any, found: list[Dependency]) -> None:
    if not isinstance(table, Mapping):
        return
    for name, value in table.items():
        if name.lower() == "python":
            continue
        version, spec = _poetry_constraint(value)
        found.append(Dependency(PYPI, name, version, spec, _key_line(text, name)))


def parse_pyproject(text: str) -> list[Dependency]:
    """Dependencies of a ``pyproject.toml``: PEP 621 ``[project]`` (with optional dependencies),
    PEP 735 ``[dependency-groups]``, ``[tool.poetry]`` and ``[tool.uv] dev-dependencies``."""
    data = _load_toml(text)
    found: list[Dependency] = []
    project = data.get("project")
    if isinstance(project, Mapping):
        _pep508_list(text, project.get("dependencies"), found)
        optional = project.get("optional-dependencies")
        if isinstance(optional, Mapping):
            for items in optional.values():
                _pep508_list(text, items, found)
    groups = data.get("dependency-groups")
    if isinstance(groups, Mapping):
        for items in groups.values():
            _pep508_list(text, items, found)
    tool = data.get("tool")
    if isinstance(tool, Mapping):
        poetry = tool.get("poetry")
        if isinstance(poetry, Mapping):
            _poetry_table(text, poetry.get("dependencies"), found)
            _poetry_table(text, poetry.get("dev-dependencies"), found)
            poetry_groups = poetry.get("group")
            if isinstance(poetry_groups, Mapping):
                for group in poetry_groups.values():
                    if isinstance(group, Mapping):
                        _poetry_table(text, group.get("dependencies"), found)
        uv = tool.get("uv")
        if isinstance(uv, Mapping):
            _pep508_list(text, uv.get("dev-dependencies"), found)
    return found


def parse_toml_lock(text: str) -> list[Dependency]:
    """``poetry.lock`` or ``uv.lock``: every ``[[package]]`` with a name and version, except
    the project itself and other local (editable, virtual, directory) sources."""
    data = _load_toml(text)
    packages = data.get("package", [])
    if not isinstance(packages, list):
        raise ManifestError("'package' is not an array of tables")
    lines: dict[str, int] = {}
    for match in _LOCK_NAME.finditer(text):
        lines.setdefault(match[1], text.count("\n", 0, match.start()) + 1)
    found: list[Dependency] = []
    for package in packages:
        if not isinstance(package, Mapping):
            continue
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str) or not isinstance(version, str):
            continue
        source = package.get("source")
        if isinstance(source, Mapping) and (
            any(k in source for k in _LOCAL_SOURCES) or source.get("type") in ("directory", "file")
        ):
            continue
        found.append(Dependency(PYPI, name, version, f"=={version}", lines.get(name)))
    return found


def load_json(text: str) -> Any:
    """``json.loads`` that raises :class:`ManifestError` with a line number."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"not valid JSON: {exc.msg} (line {exc.lineno})", exc.lineno) from None
    except RecursionError:
        raise ManifestError("not valid JSON: nested too deeply") from None


def parse_pipfile_lock(text: str) -> list[Dependency]:
    """``Pipfile.lock``: the ``default`` and ``develop`` sections, versions written ``==x``."""
    data = load_json(text)
    if not isinstance(data, Mapping):
        raise ManifestError("not a Pipfile.lock: the top level is not an object")
    found: list[Dependency] = []
    for section in ("default", "develop"):
        entries = data.get(section)
        if not isinstance(entries, Mapping):
            continue
        for name, entry in entries.items():
            if not isinstance(entry, Mapping):
                continue
            raw = entry.get("version")
            spec = raw if isinstance(raw, str) else ""
            version = spec[2:] if spec.startswith("==") and "*" not in spec else None
            found.append(Dependency(PYPI, name, version, spec, line_of(text, f'"{name}": {{')))
    return found
