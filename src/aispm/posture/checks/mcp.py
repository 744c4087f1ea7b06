"""MCP servers: how they are launched and how clients reach them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from aispm.core.model import AssetKind, Finding, Inventory
from aispm.posture.helpers import as_list, finding, is_local_host, url_parts
from aispm.posture.policy import Policy
from aispm.posture.registry import check

_FETCHING_LAUNCHERS = {
    "npx",
    "npm",
    "pnpm",
    "yarn",
    "bunx",
    "bun",
    "deno",
    "uvx",
    "uv",
    "pipx",
    "docker",
    "podman",
}
_SHELLS = {
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "fish",
    "cmd",
    "cmd.exe",
    "powershell",
    "pwsh",
    "powershell.exe",
}
_SHELL_FLAGS = {"-c", "/c", "/k", "-command", "-encodedcommand", "-e"}
_PIPE_TO_SHELL = re.compile(
    r"\b(curl|wget|iwr|invoke-webrequest)\b[^|]*\|\s*(sudo\s+)?(sh|bash|zsh|iex|python3?)\b"
)


def _base(command: str) -> str:
    return command.replace("\\", "/").rsplit("/", 1)[-1].lower()


@check("AISPM-MCP-001")
def unpinned_mcp_package(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for server in inventory.of_kind(AssetKind.MCP_SERVER):
        props = server.properties
        launcher = str(props.get("launcher") or "").lower()
        package = props.get("package")
        if launcher not in _FETCHING_LAUNCHERS or not package or props.get("pinned") is not False:
            continue
        version = props.get("package_version")
        state = f"version {version!r} is not exact" if version else "no version"
        yield finding(
            "AISPM-MCP-001",
            server,
            f"MCP server '{server.name}' at {server.location or '?'} is launched with {launcher} from "
            f"{package} with {state}",
            evidence={"launcher": launcher, "package": package, "package_version": version},
            discriminator=str(package),
        )


@check("AISPM-MCP-002")
def plaintext_remote_mcp(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for server in inventory.of_kind(AssetKind.MCP_SERVER):
        url = server.properties.get("url")
        if not isinstance(url, str):
            continue
        scheme, host = url_parts(url)
        if scheme not in ("http", "ws") or not host or is_local_host(host):
            continue
        yield finding(
            "AISPM-MCP-002",
            server,
            f"MCP server '{server.name}' at {server.location or '?'} is reached over unencrypted {scheme}:// "
            f"at {host}",
            evidence={"url": url, "host": host, "transport": server.properties.get("transport")},
        )


@check("AISPM-MCP-003")
def shell_launcher(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for server in inventory.of_kind(AssetKind.MCP_SERVER):
        command = str(server.properties.get("command") or "")
        args = [str(a) for a in as_list(server.properties.get("args"))]
        line = " ".join([command, *args])
        via_shell = _base(command) in _SHELLS and any(a.lower() in _SHELL_FLAGS for a in args)
        piped = _PIPE_TO_SHELL.search(line.lower()) is not None
        if not via_shell and not piped:
            continue
        how = "pipes a download into a shell" if piped else f"runs through {_base(command)} {args[0]}"
        yield finding(
            "AISPM-MCP-003",
            server,
            f"MCP server '{server.name}' at {server.location or '?'} {how}",
            evidence={"command": command, "args": [a if len(a) <= 200 else a[:199] + "…" for a in args]},
        )


@check("AISPM-MCP-004")
def launcher_not_allowed(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    allowed = {launcher.lower() for launcher in policy.allowed_mcp_launchers}
    if not allowed:
        return
    for server in inventory.of_kind(AssetKind.MCP_SERVER):
        launcher = str(server.properties.get("launcher") or "").lower()
        if not launcher or launcher in allowed:
            continue
        yield finding(
            "AISPM-MCP-004",
            server,
            f"MCP server '{server.name}' at {server.location or '?'} is launched with {launcher}, which the "
            f"policy does not allow ({', '.join(sorted(allowed))})",
            evidence={"launcher": launcher, "allowed_mcp_launchers": sorted(allowed)},
        )
