from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from source_files import REPO, run_analyzer, write_file

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.discover.code.base import SourceFile
from aispm.discover.code.mcp_config import McpConfigAnalyzer, strip_jsonc
from aispm.discover.code.mcp_launch import image_spec, npm_spec, parse_launch, pypi_spec

OPENAI_KEY = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6lMn9o"


def _file(root: Path, rel: str, content: str | dict[str, Any]) -> SourceFile:
    return write_file(root, rel, content if isinstance(content, str) else json.dumps(content, indent=2))


def _run(file: SourceFile) -> Inventory:
    return run_analyzer(McpConfigAnalyzer(), file)


def _server(out: Inventory, file: SourceFile, name: str) -> Asset:
    asset = out.get(urn("code", "mcp_server", REPO, file.rel, name))
    assert asset is not None, f"no server {name}: {[a.id for a in out.assets]}"
    assert asset.kind is AssetKind.MCP_SERVER
    return asset


def test_claude_desktop_servers_launchers_and_pinning(tmp_path: Path) -> None:
    config = {
        "mcpServers": {
            "fs": {
                "command": "npx",
                "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.7.1", "/tmp"],
            },
            "git": {"command": "uvx", "args": ["mcp-server-git==0.6.2", "--repository", "."]},
            "fetch": {"command": "uvx", "args": ["mcp-server-fetch"]},
            "latest": {"command": "npx", "args": ["-y", "@acme/mcp@latest"]},
            "gh": {
                "command": "docker",
                "args": [
                    "run",
                    "-i",
                    "--rm",
                    "-e",
                    "GITHUB_PERSONAL_ACCESS_TOKEN",
                    "ghcr.io/github/github-mcp-server",
                ],
                "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_TOKEN}"},
            },
            "local": {"command": "/usr/bin/python3.12", "args": ["-m", "my_server"]},
        }
    }
    file = _file(tmp_path, "claude_desktop_config.json", config)
    out = _run(file)
    fs = _server(out, file, "fs").properties
    assert fs["transport"] == "stdio" and fs["launcher"] == "npx"
    assert fs["package"] == "@modelcontextprotocol/server-filesystem"
    assert fs["package_version"] == "2025.7.1" and fs["pinned"] is True
    assert fs["args"] == ["-y", "@modelcontextprotocol/server-filesystem@2025.7.1", "/tmp"]
    assert fs["url"] is None and fs["secrets"] == [] and fs["env_keys"] == []
    git = _server(out, file, "git").properties
    assert (git["launcher"], git["package"], git["package_version"], git["pinned"]) == (
        "uvx",
        "mcp-server-git",
        "0.6.2",
        True,
    )
    fetch = _server(out, file, "fetch").properties
    assert fetch["package"] == "mcp-server-fetch" and fetch["package_version"] is None and not fetch["pinned"]
    latest = _server(out, file, "latest").properties
    assert latest["package_version"] == "latest" and latest["pinned"] is False
    gh = _server(out, file, "gh").properties
    assert gh["launcher"] == "docker" and gh["package"] == "ghcr.io/github/github-mcp-server"
    assert gh["pinned"] is False and gh["env_keys"] == ["GITHUB_PERSONAL_ACCESS_TOKEN"]
    assert gh["env_literal_keys"] == []  # a ${VAR} reference is not a literal
    local = _server(out, file, "local").properties
    assert local["launcher"] == "python" and local["package"] == "my_server"
    # the server's line is the line of its name
    assert _server(out, file, "git").location is not None
    assert _server(out, file, "git").location.line == 11  # type: ignore[union-attr]
    edges = {r.target for r in out.outgoing(file.id, RelationKind.CONTAINS)}
    assert urn("code", "mcp_server", REPO, file.rel, "fs") in edges


def test_vscode_mcp_json_with_comments_inputs_and_remote_servers(tmp_path: Path) -> None:
    text = """{
  // VS Code allows comments and trailing commas
  "inputs": [
    {"type": "promptString", "id": "api-key", "description": "Key // not a comment", "password": true},
  ],
  "servers": {
    /* remote servers */
    "remote-sse": {"type": "sse", "url": "https://mcp.example.com/sse"},
    "remote-http": {"type": "http", "url": "https://api.example.com/mcp?api_key=abcd1234efgh5678",
                    "headers": {"Authorization": "Bearer ${input:api-key}"}},
    "guess": {"url": "https://other.example.com/v1/sse/"},
  },
}
"""
    file = _file(tmp_path, ".vscode/mcp.json", text)
    out = _run(file)
    assert not out.warnings
    sse = _server(out, file, "remote-sse")
    assert sse.properties["transport"] == "sse" and sse.provider == "mcp.example.com"
    assert sse.properties["launcher"] is None and sse.properties["pinned"] is False
    http = _server(out, file, "remote-http").properties
    assert http["transport"] == "http"
    assert "abcd1234efgh5678" not in json.dumps(http)
    assert http["url"].startswith("https://api.example.com/mcp?api_key=")
    assert http["inputs"] == ["api-key"] and "header_literal_keys" not in http
    assert _server(out, file, "guess").properties["transport"] == "sse"


def test_strip_jsonc_keeps_strings_and_lines() -> None:
    text = '{"a": "http://x//y", /* c\n */ "b": [1,2,],}\n// end'
    stripped = strip_jsonc(text)
    assert json.loads(stripped) == {"a": "http://x//y", "b": [1, 2]}
    assert stripped.count("\n") == text.count("\n")


@pytest.mark.parametrize(
    "rel",
    [
        "mcp.json",
        ".mcp.json",
        ".cursor/mcp.json",
        ".windsurf/mcp_config.json",
        "settings/cline_mcp_settings.json",
        ".gemini/settings.json",
        "tools/any-name.json",
    ],
)
def test_client_flavours_with_mcp_servers_key(tmp_path: Path, rel: str) -> None:
    config = {"theme": "dark", "mcpServers": {"srv": {"command": "npx", "args": ["-y", "pkg@1.0.0"]}}}
    file = _file(tmp_path, rel, config)
    out = _run(file)
    props = _server(out, file, "srv").properties
    assert props["package"] == "pkg" and props["pinned"] is True


def test_windsurf_server_url_and_gemini_trust(tmp_path: Path) -> None:
    config = {
        "mcpServers": {
            "remote": {"serverUrl": "https://mcp.example.org/mcp"},
            "trusted": {"httpUrl": "https://h.example.org/mcp", "trust": True},
        }
    }
    file = _file(tmp_path, ".gemini/settings.json", config)
    out = _run(file)
    assert _server(out, file, "remote").properties["url"] == "https://mcp.example.org/mcp"
    assert _server(out, file, "trusted").properties["auto_approve"] is True


def test_continue_yaml_and_legacy_config(tmp_path: Path) -> None:
    yaml_text = """name: My servers
version: 0.0.1
schema: v1
mcpServers:
  - name: sqlite
    command: uvx
    args: ["mcp-server-sqlite@0.6.2", "--db-path", "test.db"]
    env:
      DB_PASSWORD: hunter2hunter2
"""
    file = _file(tmp_path, ".continue/mcpServers/sqlite.yaml", yaml_text)
    out = _run(file)
    sqlite = _server(out, file, "sqlite")
    assert sqlite.properties["package"] == "mcp-server-sqlite" and sqlite.properties["pinned"] is True
    assert sqlite.properties["env_literal_keys"] == ["DB_PASSWORD"]
    assert sqlite.location is not None and sqlite.location.line == 5
    assert "hunter2hunter2" not in json.dumps([a.to_json() for a in out.assets])

    legacy = {
        "models": [],
        "experimental": {
            "modelContextProtocolServers": [
                {"transport": {"type": "stdio", "command": "npx", "args": ["-y", "@scope/srv@^1.2.0"]}}
            ]
        },
    }
    cfile = _file(tmp_path, ".continue/config.json", legacy)
    cout = _run(cfile)
    props = _server(cout, cfile, "server-1").properties
    assert (
        props["package"] == "@scope/srv" and props["package_version"] == "^1.2.0" and props["pinned"] is False
    )


def test_env_literal_keys_without_pattern_match(tmp_path: Path) -> None:
    config = {
        "mcpServers": {
            "db": {
                "command": "node",
                "args": [
                    "server.js",
                    "--api-key",
                    "plainliteral123456",
                    "--token=anotherliteral98765",
                    "postgresql://app:dbpassliteral42@db:5432/app",
                ],
                "env": {
                    "SERVICE_API_KEY": "plainliteral123456",
                    "PLACEHOLDER_TOKEN": "<your-token>",
                    "REF_SECRET": "${env:REF_SECRET}",
                    "LOG_LEVEL": "debug",
                    "EMPTY_KEY": "",
                },
            }
        }
    }
    file = _file(tmp_path, "mcp.json", config)
    out = _run(file)
    props = _server(out, file, "db").properties
    assert props["env_literal_keys"] == ["SERVICE_API_KEY"]
    assert props["env_keys"] == [
        "EMPTY_KEY",
        "LOG_LEVEL",
        "PLACEHOLDER_TOKEN",
        "REF_SECRET",
        "SERVICE_API_KEY",
    ]
    assert props["launcher"] == "node" and props["package"] is None and props["pinned"] is False
    dumped = json.dumps([a.to_json() for a in out.assets])
    assert "plainliteral123456" not in dumped and "anotherliteral98765" not in dumped
    assert "dbpassliteral42" not in dumped and props["args"][4].startswith("postgresql://app:")
    assert props["args"][0] == "server.js" and props["args"][2].startswith("…")


def test_secrets_in_env_become_secret_assets(tmp_path: Path) -> None:
    config = {
        "mcpServers": {
            "openai-tools": {
                "command": "npx",
                "args": ["-y", "openai-mcp@1.0.0", f"--key={OPENAI_KEY}"],
                "env": {"OPENAI_API_KEY": OPENAI_KEY},
            }
        }
    }
    file = _file(tmp_path, ".cursor/mcp.json", config)
    out = _run(file)
    server = _server(out, file, "openai-tools")
    dumped = json.dumps([a.to_json() for a in out.assets] + [r.to_json() for r in out.relationships])
    assert OPENAI_KEY not in dumped
    secrets = [a for a in out.of_kind(AssetKind.SECRET)]
    assert len(secrets) == 1  # the same value in env and args is one secret
    secret = secrets[0]
    assert secret.properties["detection"] == "pattern"
    assert secret.properties["locations"][0]["path"] == ".cursor/mcp.json"
    assert secret.properties["redacted"] in server.properties["secrets"]
    assert "OPENAI_API_KEY" in server.properties["env_literal_keys"]
    assert [r.target for r in out.outgoing(server.id, RelationKind.CONTAINS)] == [secret.id]


def test_malformed_json_warns(tmp_path: Path) -> None:
    file = _file(tmp_path, "mcp.json", '{"mcpServers": {"x": {"command": "npx",,}')
    out = _run(file)
    assert len(out) == 0
    assert len(out.warnings) == 1 and out.warnings[0].source == "mcp"
    assert "malformed" in out.warnings[0].message


def test_hostile_and_odd_shapes_do_not_crash(tmp_path: Path) -> None:
    deep = _file(tmp_path, "mcp.json", '{"mcpServers": ' + "[" * 100_000 + "]" * 100_000 + "}")
    out = _run(deep)
    assert len(out) == 0 and len(out.warnings) == 1
    odd = {
        "mcpServers": {
            "u": {"url": "http://[::1"},
            "a": "not an object",
            "b": {"command": 5, "args": "xyz", "env": ["y"]},
        }
    }
    ofile = _file(tmp_path, ".mcp.json", odd)
    oout = _run(ofile)
    b = _server(oout, ofile, "b").properties
    assert b["command"] is None and b["args"] == [] and b["transport"] is None
    assert oout.get(urn("code", "mcp_server", REPO, ".mcp.json", "a")) is None
    assert _server(oout, ofile, "u").provider == "local"


def test_wants_negative_controls(tmp_path: Path) -> None:
    analyzer = McpConfigAnalyzer()
    assert not analyzer.wants(_file(tmp_path, "package.json", {"name": "x"}))
    assert not analyzer.wants(_file(tmp_path, "conf/settings.json", {"servers": {}}))
    assert not analyzer.wants(_file(tmp_path, "mcp.txt", "mcpServers"))
    # a known name without servers adds nothing
    file = _file(tmp_path, ".vscode/settings.json", {"editor.fontSize": 12})
    out = _run(file)
    assert len(out) == 0 and not out.warnings


def test_spec_parsers() -> None:
    assert npm_spec("@scope/pkg@1.2.3").pinned
    assert npm_spec("@scope/pkg").package == "@scope/pkg"
    assert not npm_spec("pkg@~1.2").pinned
    assert pypi_spec("pkg[cli]==1.4.0").version == "1.4.0"
    assert not pypi_spec("pkg>=1.0").pinned
    assert not pypi_spec("pkg==1.*").pinned
    sha = "a" * 40
    assert pypi_spec(f"git+https://github.com/o/r@{sha}").pinned
    digest = "sha256:" + "0" * 64
    ref = image_spec(f"registry:5000/org/img:latest@{digest}")
    assert (ref.package, ref.version, ref.digest, ref.pinned) == (
        "registry:5000/org/img",
        "latest",
        digest,
        True,
    )
    assert not image_spec("mcp/fetch:latest").pinned and image_spec("mcp/fetch:1.2.0").pinned
    assert parse_launch("pnpm", ["dlx", "pkg@2.0.0"]).pinned
    assert parse_launch("uvx", ["--from", "tool==1.0.0", "tool-cmd"]).package == "tool"
    assert parse_launch("docker", ["run", "--name", "x", "-e", "A=b", "img:2.1.0"]).package == "img"
    assert parse_launch("deno", ["run", "-A", "npm:@scope/x@1.0.0"]).pinned
