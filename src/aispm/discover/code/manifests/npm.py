"""npm manifests: package.json and the lock files of npm (v1-v3), Yarn (classic and Berry) and
pnpm (v5-v9)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from aispm.discover.code.manifests import NPM, Dependency, ManifestError, line_of, strip_credentials
from aispm.discover.code.manifests.python import load_json

SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
_EXACT = re.compile(r"^[=v]*(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)(?:\+[0-9A-Za-z.-]+)?$")
_LOCAL_RANGES = ("workspace:", "link:", "portal:", "file:")
_YARN_VERSION = re.compile(r'^\s+version:?\s+"?([^"\s]+)"?\s*$')


def exact_npm_version(spec: str) -> str | None:
    """``1.2.3`` / ``=1.2.3`` / ``v1.2.3`` is exact; ranges, tags and URLs are not."""
    match = _EXACT.match(spec.strip())
    return match[1] if match else None


def _split_alias(name: str, spec: str) -> tuple[str, str]:
    """``"alias": "npm:real@^1.0"`` names the package ``real``."""
    if spec.startswith("npm:"):
        target = spec[4:]
        at = target.find("@", 1)
        if at > 0:
            return target[:at], target[at + 1 :]
        return target, ""
    return name, spec


def _object(text: str, what: str) -> Mapping[str, Any]:
    data = load_json(text)
    if not isinstance(data, Mapping):
        raise ManifestError(f"not a {what}: the top level is not an object")
    return data


def parse_package_json(text: str) -> list[Dependency]:
    """Dependencies of a ``package.json``; a range gives version None and the range."""
    data = _object(text, "package.json")
    found: list[Dependency] = []
    for section in SECTIONS:
        entries = data.get(section)
        if not isinstance(entries, Mapping):
            continue
        start = max(text.find(f'"{section}"'), 0)
        for key, value in entries.items():
            if not isinstance(value, str):
                continue
            name, spec = _split_alias(key, value.strip())
            version = None if spec.startswith(_LOCAL_RANGES) else exact_npm_version(spec)
            found.append(
                Dependency(NPM, name, version, strip_credentials(spec), line_of(text, f'"{key}"', start))
            )
    return found


def _lock_version(name: str, raw: Any) -> tuple[str, str | None]:
    """(package name, version) of a lock entry's version, resolving ``npm:real@x`` aliases."""
    if not isinstance(raw, str):
        return name, None
    if raw.startswith("npm:"):
        real, version = _split_alias(name, raw)
        return real, version or None
    return name, raw


def _v1_tree(deps: Any, depth: int = 0) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if not isinstance(deps, Mapping) or depth > 64:
        return
    for name, entry in deps.items():
        if isinstance(entry, Mapping):
            yield name, entry
            yield from _v1_tree(entry.get("dependencies"), depth + 1)


def parse_package_lock(text: str) -> list[Dependency]:
    """``package-lock.json`` / ``npm-shrinkwrap.json``: the v2/v3 ``packages`` map when present,
    else the v1 nested ``dependencies`` tree.  Links and workspace folders are skipped."""
    data = _object(text, "package-lock.json")
    found: list[Dependency] = []
    packages = data.get("packages")
    if isinstance(packages, Mapping):
        for path, entry in packages.items():
            if not isinstance(entry, Mapping) or entry.get("link") or "node_modules/" not in path:
                continue
            folder_name = path.rsplit("node_modules/", 1)[1]
            name = entry.get("name") if isinstance(entry.get("name"), str) else folder_name
            name, version = _lock_version(str(name), entry.get("version"))
            if version:
                line = line_of(text, f'"{path}"')
                found.append(Dependency(NPM, name, version, version, line))
        return found
    for key, entry in _v1_tree(data.get("dependencies")):
        name, version = _lock_version(key, entry.get("version"))
        if version and not version.startswith(_LOCAL_RANGES) and "://" not in version:
            found.append(Dependency(NPM, name, version, version, line_of(text, f'"{key}": {{')))
    return found


def _yarn_descriptor(descriptor: str) -> tuple[str, str] | None:
    descriptor = descriptor.strip().strip('"').strip("'")
    at = descriptor.find("@", 1)
    if at <= 0:
        return None
    name, spec = descriptor[:at], descriptor[at + 1 :]
    if spec.startswith("npm:"):
        name, spec = _split_alias(name, spec) if "@" in spec[5:] else (name, spec[4:])
    return name, spec


def parse_yarn_lock(text: str) -> list[Dependency]:
    """``yarn.lock`` (classic v1 and Berry): entry headers list ``name@range`` descriptors and
    the indented ``version`` line gives the resolved version."""
    found: list[Dependency] = []
    current: tuple[str, int] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw[0].isspace():
            current = None
            header = raw.rstrip().removesuffix(":")
            if header.startswith("__metadata"):
                continue
            parsed = [d for d in (_yarn_descriptor(p) for p in header.split(",")) if d is not None]
            if parsed and not any(spec.startswith(_LOCAL_RANGES) for _, spec in parsed):
                current = (parsed[0][0], number)
            continue
        if current is not None:
            match = _YARN_VERSION.match(raw)
            if match:
                found.append(Dependency(NPM, current[0], match[1], match[1], current[1]))
                current = None
    if text.strip() and not found and "version" not in text:
        raise ManifestError("not a yarn.lock: no entry has a version")
    return found


def _pnpm_key(key: str, old_format: bool) -> tuple[str, str] | None:
    body = key.lstrip("/").split("(", 1)[0]
    if old_format:
        name, _, version = body.rpartition("/")
        version = version.split("_", 1)[0]
    else:
        at = body.rfind("@")
        if at <= 0:
            return None
        name, version = body[:at], body[at + 1 :]
    if not name or not version:
        return None
    return name, version


def parse_pnpm_lock(text: str) -> list[Dependency]:
    """``pnpm-lock.yaml``: the keys of ``packages`` (``/name/1.0.0`` in v5, ``/name@1.0.0`` in
    v6, ``name@1.0.0`` in v9; peer suffixes dropped)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ManifestError(f"not valid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise ManifestError("not valid YAML: nested too deeply") from None
    if not isinstance(data, Mapping):
        raise ManifestError("not a pnpm-lock.yaml: the top level is not a mapping")
    try:
        old_format = float(str(data.get("lockfileVersion", "9"))) < 6
    except ValueError:
        old_format = False
    packages = data.get("packages")
    found: list[Dependency] = []
    if not isinstance(packages, Mapping):
        return found
    for key, entry in packages.items():
        parsed = _pnpm_key(str(key), old_format)
        if parsed is None:
            continue
        name, version = parsed
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            name = entry["name"]
            if isinstance(entry.get("version"), str):
                version = entry["version"]
        if version.startswith(_LOCAL_RANGES):
            continue
        found.append(Dependency(NPM, name, version, version, line_of(text, str(key))))
    return found
