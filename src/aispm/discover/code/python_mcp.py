"""MCP servers referenced or implemented in Python code.

Server definitions read from code (``MCPServerStdio(params={...})``, ``StdioServerParameters``,
``MultiServerMCPClient({...})``) are described exactly as the MCP config-file analyzer
describes servers in client config files, so both give the same properties (launcher, package,
pinned, env keys, redacted secrets).
"""

from __future__ import annotations

import ast
from typing import Any

from aispm.discover.code.mcp_server import describe_server
from aispm.discover.code.python_resolve import MAX_DEPTH, Resolver, Scope

_TRANSPORT_TYPES = {
    "streamable_http": "http",
    "streamable-http": "http",
    "http": "http",
    "sse": "sse",
    "stdio": "stdio",
}


def client_server_properties(spec: dict[str, Any], transport: str) -> dict[str, Any]:
    """Documented MCP-server properties of a ``{command, args, env, url, transport}`` mapping;
    ``transport`` is the client class's transport, used when the mapping names none.  Secrets are
    redacted; they become assets through the secrets analyzer, which reads the whole file."""
    spec = dict(spec)
    named = spec.pop("transport", None)
    if "type" not in spec:
        spec["type"] = _TRANSPORT_TYPES.get(str(named).lower(), transport) if named else transport
    return describe_server(spec).properties


def implemented_server(framework: str) -> dict[str, Any]:
    """Properties of an MCP server implemented in the file itself (``FastMCP("name")``)."""
    return {
        "command": None,
        "args": [],
        "url": None,
        "transport": None,
        "launcher": None,
        "package": None,
        "package_version": None,
        "pinned": False,
        "env_keys": [],
        "secrets": [],
        "implemented_in_code": True,
        "framework": framework,
        "host": None,
        "port": None,
    }


def serving(properties: dict[str, Any], transport: object, host: object, port: object) -> None:
    """Record how an implemented server serves (literal values read from its constructor or
    ``run`` call); ``transport`` is normalised to stdio / http / sse."""
    if isinstance(transport, str) and transport:
        properties["transport"] = _TRANSPORT_TYPES.get(transport.lower(), transport.lower())
    if isinstance(host, str) and host:
        properties["host"] = host
    if isinstance(port, int) and not isinstance(port, bool):
        properties["port"] = port


def plain(expr: ast.expr | None, resolver: Resolver, scope: Scope, depth: int = 0) -> Any:
    """The JSON-like value of a literal dict/list/constant expression (unknown parts: None)."""
    if expr is None or depth > MAX_DEPTH:
        return None
    node, owner = resolver.value(expr, scope)
    if isinstance(node, ast.Dict):
        result: dict[str, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            name = resolver.string(key, owner) if key is not None else None
            if name is not None:
                result[str(name.value)] = plain(value, resolver, owner, depth + 1)
        return result
    if isinstance(node, ast.List | ast.Tuple):
        return [plain(e, resolver, owner, depth + 1) for e in node.elts if not isinstance(e, ast.Starred)]
    if isinstance(node, ast.Call):
        ref = resolver.ref(node.func, owner)
        if ref is not None and ref.name == "dict":
            return {kw.arg: plain(kw.value, resolver, owner, depth + 1) for kw in node.keywords if kw.arg}
    literal = resolver.literal(node, owner)
    return literal.value if literal is not None else None
