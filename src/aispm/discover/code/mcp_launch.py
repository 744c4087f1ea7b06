"""What an MCP server's launch command runs: the launcher (npx, uvx, docker …), the package it
starts and whether its version is pinned.  Launchers and their options are data
(``data/mcp_config_files.yaml``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from aispm.data import load_yaml

_EXACT_SEMVER = re.compile(r"v?\d+(\.\d+){1,3}([-+][0-9A-Za-z.+-]+)?")
_GIT_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True, slots=True)
class _Config:
    launchers: dict[str, str]
    options_with_value: dict[str, frozenset[str]]
    package_options: dict[str, frozenset[str]]


@cache
def _config() -> _Config:
    data: dict[str, Any] = load_yaml("mcp_config_files.yaml")
    return _Config(
        launchers=dict(data["launchers"]),
        options_with_value={k: frozenset(v) for k, v in data["options_with_value"].items()},
        package_options={k: frozenset(v) for k, v in data["package_options"].items()},
    )


@dataclass(frozen=True, slots=True)
class PackageRef:
    """What a launcher runs: a package (npm, PyPI, container image) and its version."""

    package: str | None = None
    version: str | None = None
    pinned: bool = False
    digest: str | None = None


def launcher_of(command: str | None) -> str | None:
    """The launcher a command names (``/usr/bin/python3.12`` → ``python``; unknown: ``binary``)."""
    if not command:
        return None
    base = re.split(r"[\\/]", command.strip())[-1].lower()
    base = re.sub(r"\.(exe|cmd|bat|sh)$", "", base)
    base = re.sub(r"(?<=[a-z])[\d.]+$", "", base)  # python3.12 -> python
    return _config().launchers.get(base, "binary")


def parse_launch(launcher: str | None, args: list[str]) -> PackageRef:
    """The package a launcher command starts (``npx -y pkg@1.2.3`` → pkg, 1.2.3, pinned)."""
    config = _config()
    if launcher in ("pnpm", "yarn", "npm", "bun") and args and args[0] in ("dlx", "exec", "x"):
        launcher, args = "npx", args[1:]
    elif launcher == "uv" and args[:2] == ["tool", "run"]:
        launcher, args = "uvx", args[2:]
    elif launcher == "pipx" and args[:1] == ["run"]:
        launcher, args = "uvx", args[1:]
    elif launcher in ("docker", "podman") and args[:2] == ["container", "run"]:
        args = args[1:]
    if launcher in ("npx", "bunx", "pnpm"):
        spec = _positional(args, config.options_with_value["npm_like"], config.package_options["npm_like"])
        return npm_spec(spec) if spec else PackageRef()
    if launcher == "uvx":
        spec = _positional(
            args, config.options_with_value["python_like"], config.package_options["python_like"]
        )
        return pypi_spec(spec) if spec else PackageRef()
    if launcher in ("docker", "podman") and args[:1] == ["run"]:
        image = _positional(args[1:], config.options_with_value["docker"], frozenset())
        return image_spec(image) if image else PackageRef()
    if launcher == "python" and "-m" in args[:-1]:
        return PackageRef(package=args[args.index("-m") + 1])
    if launcher == "deno":
        spec = next((a for a in args if a.startswith(("npm:", "jsr:"))), None)
        return npm_spec(spec.split(":", 1)[1]) if spec else PackageRef()
    return PackageRef()


def _positional(args: list[str], with_value: frozenset[str], package_options: frozenset[str]) -> str | None:
    """The first positional argument, or the value of an option that names the package."""
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
            continue
        name, has_inline, inline = arg.partition("=")
        if name in package_options:
            return inline if has_inline else (args[index + 1] if index + 1 < len(args) else None)
        if arg == "--":
            continue
        if arg.startswith("-"):
            skip = name in with_value and not has_inline
            continue
        return arg
    return None


def npm_spec(spec: str) -> PackageRef:
    """``@scope/pkg@1.2.3`` / ``pkg@^1`` / ``pkg``."""
    at = spec.rfind("@")
    if at <= 0:
        return PackageRef(package=spec)
    name, version = spec[:at], spec[at + 1 :]
    return PackageRef(package=name, version=version or None, pinned=bool(_EXACT_SEMVER.fullmatch(version)))


def pypi_spec(spec: str) -> PackageRef:
    """``pkg==1.2.3`` / ``pkg@1.2.3`` (uvx) / ``pkg[extra]>=1`` / ``git+https://…@sha``."""
    if "://" in spec:
        base, _, ref = spec.rpartition("@")
        if not base or "/" in ref:
            return PackageRef(package=spec)
        return PackageRef(package=base, version=ref, pinned=bool(_GIT_SHA.fullmatch(ref)))
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)", spec)
    if match is None:
        return PackageRef(package=spec)
    name, rest = match.group(1), match.group(3).strip()
    if not rest:
        return PackageRef(package=name)
    if rest.startswith("@"):
        version = rest[1:].strip()
        return PackageRef(package=name, version=version, pinned=bool(_EXACT_SEMVER.fullmatch(version)))
    exact = rest.startswith("==") and "," not in rest and "*" not in rest
    version = rest[2:].strip() if exact else rest
    return PackageRef(package=name, version=version, pinned=exact and bool(_EXACT_SEMVER.fullmatch(version)))


def image_spec(image: str) -> PackageRef:
    """``registry:5000/org/name:tag@sha256:…``: a digest pins; so does an exact-version tag."""
    name, _, digest = image.partition("@")
    tag: str | None = None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    pinned = bool(digest) or bool(tag and _EXACT_SEMVER.fullmatch(tag))
    return PackageRef(package=name, version=tag or digest or None, pinned=pinned, digest=digest or None)
