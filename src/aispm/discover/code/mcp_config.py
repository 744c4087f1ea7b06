"""MCP client configuration analyzer: the MCP servers a repository tells AI clients to start.

Reads the config files of Claude Desktop / Claude Code, Cursor, VS Code, Windsurf, Cline, Roo,
Gemini CLI, Continue, Zed and any JSON file with a top-level ``mcpServers`` object (file names in
``data/mcp_config_files.yaml``).  For each server it records how it is launched (command, args,
launcher, package and whether the version is pinned), its transport and URL, the names of its
environment variables, and the secrets it carries: pattern matches from the secrets detector
become secret assets; literal values of credential-named variables are listed in
``env_literal_keys``.  Every secret is stored redacted only, in ``args`` and ``url`` too.  How one
server definition is described is shared with the Python analyzer (``mcp_server.py``).

JSON with comments and trailing commas (as VS Code allows) is accepted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatch
from functools import cache
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import yaml

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.data import load_yaml
from aispm.discover.code.base import SourceFile, ensure_file_asset
from aispm.discover.code.mcp_server import describe_server
from aispm.discover.code.secrets import secret_asset

_JSONC_COMMENTS = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
_JSONC_TRAILING_COMMA = re.compile(r'"(?:[^"\\\n]|\\.)*"|,(?=\s*[}\]])')


@dataclass(frozen=True, slots=True)
class _Config:
    names: frozenset[str]
    paths: tuple[str, ...]
    sniff_key: bytes
    sniff_bytes: int
    containers: tuple[tuple[str, ...], ...]


@cache
def _config() -> _Config:
    data: dict[str, Any] = load_yaml("mcp_config_files.yaml")
    return _Config(
        names=frozenset(data["names"]),
        paths=tuple(data["paths"]),
        sniff_key=str(data["sniff_key"]).encode(),
        sniff_bytes=int(data["sniff_bytes"]),
        containers=tuple(tuple(str(p).split(".")) for p in data["server_containers"]),
    )


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
        described = describe_server(spec)
        props = described.properties
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
        for found in described.secrets:
            value_line = _value_line(text, found.value, line)
            secret = out.add(secret_asset(found.with_variable(), file, value_line))
            out.relate(server_id, RelationKind.CONTAINS, secret.id)


def _host(url: object) -> str | None:
    try:
        return urlsplit(url).hostname if isinstance(url, str) else None
    except ValueError:
        return None


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


def _one_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
