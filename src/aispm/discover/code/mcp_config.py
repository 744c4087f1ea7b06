"""MCP client configuration analyzer: the MCP servers a repository tells AI clients to start.

Reads the config files of Claude Desktop / Claude Code, Cursor, VS Code, Windsurf, Cline, Roo,
Gemini CLI, Continue, Zed and any JSON file with a top-level ``mcpServers`` object (file names in
``data/mcp_config_files.yaml``).  For each server it records how it is launched (command, args,
launcher, package and whether the version is pinned), its transport and URL, the names of its
environment variables, and the secrets it carries: pattern matches from the secrets detector
become secret assets; literal values of credential-named variables are listed in
``env_literal_keys``.  Every secret is stored redacted only, in ``args`` and ``url`` too.

JSON with comments and trailing commas (as VS Code allows) is accepted.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatch
from functools import cache
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import yaml

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.core.redact import fingerprint_secret, redact
from aispm.data import load_yaml
from aispm.detect.base import Detection
from aispm.detect.secrets import SecretsDetector
from aispm.discover.code.base import SourceFile, ensure_file_asset

_EXACT_SEMVER = re.compile(r"v?\d+(\.\d+){1,3}([-+][0-9A-Za-z.+-]+)?")
_GIT_SHA = re.compile(r"[0-9a-f]{40}")
_INPUT_REF = re.compile(r"\$\{input:([^}]+)\}")
_JSONC_COMMENTS = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
_JSONC_TRAILING_COMMA = re.compile(r'"(?:[^"\\\n]|\\.)*"|,(?=\s*[}\]])')
_URL_KEYS = ("url", "serverUrl", "httpUrl", "endpoint")


@dataclass(frozen=True, slots=True)
class _Config:
    names: frozenset[str]
    paths: tuple[str, ...]
    sniff_key: bytes
    sniff_bytes: int
    containers: tuple[tuple[str, ...], ...]
    launchers: dict[str, str]
    options_with_value: dict[str, frozenset[str]]
    package_options: dict[str, frozenset[str]]
    secret_names: tuple[re.Pattern[str], ...]
    not_literal: tuple[re.Pattern[str], ...]


@cache
def _config() -> _Config:
    data: dict[str, Any] = load_yaml("mcp_config_files.yaml")
    return _Config(
        names=frozenset(data["names"]),
        paths=tuple(data["paths"]),
        sniff_key=str(data["sniff_key"]).encode(),
        sniff_bytes=int(data["sniff_bytes"]),
        containers=tuple(tuple(str(p).split(".")) for p in data["server_containers"]),
        launchers=dict(data["launchers"]),
        options_with_value={k: frozenset(v) for k, v in data["options_with_value"].items()},
        package_options={k: frozenset(v) for k, v in data["package_options"].items()},
        secret_names=tuple(re.compile(p, re.IGNORECASE) for p in data["secret_env_names"]),
        not_literal=tuple(re.compile(p) for p in data["not_literal_values"]),
    )


@cache
def _detector() -> SecretsDetector:
    return SecretsDetector()


def detect_secrets(text: str) -> list[Detection]:
    """Secret detections in ``text`` (shared detector, built once)."""
    return _detector().detect(text) if text else []


def strip_jsonc(text: str) -> str:
    """JSON-with-comments to JSON: ``//`` and ``/* */`` comments outside strings become spaces
    (newlines kept, so line numbers still match) and trailing commas are dropped."""

    def blank_comment(match: re.Match[str]) -> str:
        token = match.group(0)
        return token if token.startswith('"') else re.sub(r"[^\n]", " ", token)

    def drop_comma(match: re.Match[str]) -> str:
        token = match.group(0)
        return token if token.startswith('"') else " "

    return _JSONC_TRAILING_COMMA.sub(drop_comma, _JSONC_COMMENTS.sub(blank_comment, text))


def is_secret_name(name: str) -> bool:
    """Whether an environment variable / option / header name denotes a credential."""
    cleaned = name.strip().lstrip("-").replace("-", "_")
    return any(p.fullmatch(cleaned) for p in _config().secret_names)


def is_literal(value: str) -> bool:
    """Whether a value is a literal (not a ``${VAR}`` reference or a ``<placeholder>``)."""
    stripped = value.strip()
    return bool(stripped) and not any(p.fullmatch(stripped) for p in _config().not_literal)


@dataclass(frozen=True, slots=True)
class PackageRef:
    """What a launcher runs: a package (npm, PyPI, container image) and its version."""

    package: str | None = None
    version: str | None = None
    pinned: bool = False
    digest: str | None = None


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


@dataclass(slots=True)
class _Secrets:
    """Secrets of one server: redacted detections with where they were, and literal keys."""

    found: list[tuple[Detection, str, str | None]] = field(default_factory=list)
    """(detection, matched value, variable) — the value is only hashed, never stored."""
    literal_env: set[str] = field(default_factory=set)
    literal_headers: set[str] = field(default_factory=set)

    def scrub(self, text: str, variable: str | None) -> str:
        """``text`` with every detected secret replaced by its redacted form (recorded)."""
        detections = detect_secrets(text)
        if not detections:
            return text
        parts: list[str] = []
        position = 0
        for d in sorted(detections, key=lambda d: d.start):
            if d.end <= position:
                continue
            value = text[d.start : d.end]
            self.found.append((d, value, variable))
            parts.append(text[position : max(d.start, position)])
            parts.append(d.redacted or redact(value))
            position = d.end
        parts.append(text[position:])
        return "".join(parts)


class McpConfigAnalyzer:
    """Finds MCP servers in AI-client configuration files."""

    name = "mcp"

    def wants(self, file: SourceFile) -> bool:
        if file.suffix not in (".json", ".yaml", ".yml"):
            return False
        if _known_config(file):
            return True
        config = _config()
        return file.suffix == ".json" and config.sniff_key in file.head(config.sniff_bytes)

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        text = file.text()
        doc = self._parse(file, text, out)
        if doc is None:
            return
        servers = list(_servers(doc))
        if not servers:
            return
        file_id = ensure_file_asset(file, out, language="yaml" if file.suffix != ".json" else "json")
        for server_name, spec in servers:
            self._server(file, text, file_id, server_name, spec, out)

    def _parse(self, file: SourceFile, text: str, out: Inventory) -> Any:
        try:
            if file.suffix != ".json":
                return yaml.safe_load(text)
            try:
                return json.loads(text)
            except ValueError as first_error:
                try:
                    return json.loads(strip_jsonc(text))
                except ValueError:
                    raise first_error from None
        except (ValueError, yaml.YAMLError) as exc:
            out.warn(self.name, f"malformed MCP config: {_one_line(exc)}", file.location())
        except RecursionError:
            out.warn(self.name, "malformed MCP config: nested too deeply", file.location())
        return None

    def _server(
        self,
        file: SourceFile,
        text: str,
        file_id: str,
        server_name: str,
        spec: Mapping[str, Any],
        out: Inventory,
    ) -> None:
        line = _name_line(text, server_name)
        secrets = _Secrets()
        props = _describe(spec, secrets)
        server_id = urn("code", "mcp_server", file.repo_key, file.rel, server_name)
        host = _host(props.get("url"))
        out.add(
            Asset(
                id=server_id,
                kind=AssetKind.MCP_SERVER,
                name=server_name,
                provider=host or "local",
                location=file.location(line),
                properties=props,
                source="code",
            )
        )
        out.relate(file_id, RelationKind.CONTAINS, server_id, line=line)
        for detection, value, variable in secrets.found:
            secret_id = _add_secret(file, text, line, detection, value, variable, out)
            out.relate(server_id, RelationKind.CONTAINS, secret_id)


def _describe(spec: Mapping[str, Any], secrets: _Secrets) -> dict[str, Any]:
    """The documented MCP-server properties of one server definition (secrets redacted)."""
    spec = _flatten(spec)
    command = spec.get("command") if isinstance(spec.get("command"), str) else None
    raw_args = spec.get("args")
    args = (
        [str(a) for a in raw_args if isinstance(a, str | int | float)] if isinstance(raw_args, list) else []
    )
    if command and not args and any(c.isspace() for c in command.strip()):
        with contextlib.suppress(ValueError):  # unbalanced quotes: keep the command as it is
            command, *args = shlex.split(command)
    launcher = _launcher(command)
    ref = parse_launch(launcher, args)
    raw_env, raw_headers = spec.get("env"), spec.get("headers")
    env: dict[str, Any] = {str(k): v for k, v in raw_env.items()} if isinstance(raw_env, dict) else {}
    headers: dict[str, Any] = (
        {str(k): v for k, v in raw_headers.items()} if isinstance(raw_headers, dict) else {}
    )
    url = next((spec[k] for k in _URL_KEYS if isinstance(spec.get(k), str)), None)
    env_keys = set(env)
    for key, value in env.items():
        if isinstance(value, str):
            secrets.scrub(value, key)
            if is_secret_name(key) and is_literal(value):
                secrets.literal_env.add(key)
    for key, value in headers.items():
        if isinstance(value, str):
            secrets.scrub(value, key)
            if is_secret_name(key) and is_literal(value.removeprefix("Bearer ").removeprefix("token ")):
                secrets.literal_headers.add(key)
    clean_args = _scrub_args(args, secrets, env_keys)
    props: dict[str, Any] = {
        "command": secrets.scrub(command, None) if command else None,
        "args": clean_args,
        "url": _scrub_url(url, secrets) if url else None,
        "transport": _transport(command, url, spec),
        "launcher": launcher,
        "package": ref.package,
        "package_version": ref.version,
        "pinned": ref.pinned,
        "env_keys": sorted(env_keys),
        "secrets": list(dict.fromkeys(d.redacted or redact(v) for d, v, _ in secrets.found)),
        "env_literal_keys": sorted(secrets.literal_env),
    }
    if ref.digest:
        props["image_digest"] = ref.digest
    if secrets.literal_headers:
        props["header_literal_keys"] = sorted(secrets.literal_headers)
    inputs = sorted(
        {
            m
            for v in [*env.values(), *headers.values(), *args]
            if isinstance(v, str)
            for m in _INPUT_REF.findall(v)
        }
    )
    if inputs:
        props["inputs"] = inputs
    if spec.get("trust") is True or spec.get("autoApprove") or spec.get("alwaysAllow"):
        props["auto_approve"] = True
    if spec.get("disabled") is True:
        props["disabled"] = True
    return props


def _flatten(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Client dialects to one shape: Continue's ``transport`` object, Zed's ``command`` object."""
    flat = dict(spec)
    transport = flat.get("transport")
    if isinstance(transport, dict):
        flat.pop("transport")
        flat = {**transport, **{k: v for k, v in flat.items() if v is not None}}
        flat.setdefault("type", transport.get("type"))
    command = flat.get("command")
    if isinstance(command, dict):
        flat["command"] = command.get("path")
        flat.setdefault("args", command.get("args"))
        flat.setdefault("env", command.get("env"))
    return flat


def _scrub_args(args: list[str], secrets: _Secrets, env_keys: set[str]) -> list[str]:
    """Args with secrets redacted: detector matches, values of credential-named options
    (``--api-key X``, ``--token=X``) and of ``-e NAME=value`` (docker)."""
    clean: list[str] = []
    previous = ""
    for arg in args:
        name, has_value, value = arg.partition("=")
        if previous in ("-e", "--env") and not arg.startswith("-"):
            env_keys.add(name)
            if has_value and is_secret_name(name) and is_literal(value):
                secrets.literal_env.add(name)
            variable: str | None = name if has_value else None
            arg = f"{name}={secrets.scrub(value, name)}" if has_value else arg
        else:
            variable = None
            arg = secrets.scrub(arg, variable)
        if previous.startswith("-") and is_secret_name(previous) and is_literal(arg) and "…" not in arg:
            arg = redact(arg)
        elif (
            arg.startswith("-")
            and has_value
            and is_secret_name(name)
            and is_literal(value)
            and "…" not in arg
        ):
            arg = f"{name}={redact(value)}"
        if "://" in arg:
            arg = _redact_url_password(arg)
        clean.append(arg)
        previous = arg if arg.startswith("-") else ""
    return clean


def _scrub_url(url: str, secrets: _Secrets) -> str:
    """The URL with a password and credential-named query values redacted."""
    clean = _redact_url_password(secrets.scrub(url, None))

    def query_value(match: re.Match[str]) -> str:
        key, value = match.group(1), match.group(2)
        return f"{key}={redact(value)}" if is_secret_name(key) and "…" not in value else match.group(0)

    return re.sub(r"(?<=[?&])([^=&#]+)=([^&#]*)", query_value, clean)


def _host(url: object) -> str | None:
    try:
        return urlsplit(url).hostname if isinstance(url, str) else None
    except ValueError:
        return None


def _redact_url_password(text: str) -> str:
    """``scheme://user:password@host`` with the password redacted."""
    try:
        password = urlsplit(text).password
    except ValueError:
        return text
    if password and "…" not in password:
        return text.replace(f":{password}@", f":{redact(password)}@", 1)
    return text


def _transport(command: str | None, url: str | None, spec: Mapping[str, Any]) -> str | None:
    if command:
        return "stdio"
    if not url:
        return None
    kind = str(spec.get("type") or "").lower().replace("_", "-")
    if kind == "sse":
        return "sse"
    if kind in ("http", "streamable-http", "streamablehttp"):
        return "http"
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    return "sse" if path.rstrip("/").endswith("/sse") else "http"


def _launcher(command: str | None) -> str | None:
    if not command:
        return None
    base = re.split(r"[\\/]", command.strip())[-1].lower()
    base = re.sub(r"\.(exe|cmd|bat|sh)$", "", base)
    base = re.sub(r"(?<=[a-z])[\d.]+$", "", base)  # python3.12 -> python
    return _config().launchers.get(base, "binary")


def _servers(doc: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(name, definition) of every server in a parsed config, each name once."""
    if not isinstance(doc, dict):
        return
    seen: set[str] = set()
    for path in _config().containers:
        container: Any = doc
        for key in path:
            container = container.get(key) if isinstance(container, dict) else None
        items: list[tuple[str, Any]] = []
        if isinstance(container, dict):
            items = [(str(k), v) for k, v in container.items()]
        elif isinstance(container, list):
            items = [
                (str(v.get("name") or f"server-{i + 1}"), v)
                for i, v in enumerate(container)
                if isinstance(v, dict)
            ]
        for name, spec in items:
            if isinstance(spec, dict) and name not in seen:
                seen.add(name)
                yield name, spec


def _known_config(file: SourceFile) -> bool:
    config = _config()
    if file.name in config.names:
        return True
    rel = PurePosixPath(file.rel)
    for pattern in config.paths:
        depth = pattern.count("/") + 1
        tail = "/".join(rel.parts[-depth:])
        if len(rel.parts) >= depth and fnmatch(tail, pattern):
            return True
    return False


def _name_line(text: str, name: str) -> int:
    """Line of the server's key (JSON ``"name":``, YAML ``name:`` / ``name: value``)."""
    escaped = re.escape(name)
    for pattern in (
        rf"{re.escape(json.dumps(name))}\s*:",
        rf"^\s*-?\s*name\s*:\s*[\"']?{escaped}[\"']?\s*$",
        rf"^\s*[\"']?{escaped}[\"']?\s*:",
    ):
        match = re.search(pattern, text, re.MULTILINE)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return 1


def _value_line(text: str, value: str, after_line: int) -> int:
    """Line of ``value`` at or after ``after_line`` (the server's line when not found)."""
    start = 0
    for _ in range(after_line - 1):
        start = text.find("\n", start) + 1
    for needle in (value, json.dumps(value)[1:-1]):
        index = text.find(needle, start)
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return after_line


def _add_secret(
    file: SourceFile,
    text: str,
    server_line: int,
    d: Detection,
    value: str,
    variable: str | None,
    out: Inventory,
) -> str:
    provider = str(d.attributes.get("provider") or "unknown")
    redacted = d.redacted or redact(value)
    line = _value_line(text, value, server_line)
    secret_id = urn("secret", "secret", provider, fingerprint_secret(value)[:16])
    out.add(
        Asset(
            id=secret_id,
            kind=AssetKind.SECRET,
            name=redacted,
            provider=provider,
            location=file.location(line),
            properties={
                "secret_type": d.type,
                "provider": provider,
                "redacted": redacted,
                "variable": variable,
                "locations": [{"path": file.rel, "line": line}],
                "detection": str(d.attributes.get("detection") or "pattern"),
            },
            source="code",
        )
    )
    return secret_id


def _one_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
