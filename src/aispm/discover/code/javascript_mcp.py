"""MCP servers implemented in JavaScript / TypeScript (``new McpServer({name: "x"})``) and the
tools they register (``server.tool("name", …, handler)`` / ``server.registerTool(…)``).

They become the same assets as a Python ``FastMCP`` server (:mod:`python_found`): an MCP server
with ``implemented_in_code`` and the transport of the server transports the file creates, its
tools with the capabilities the handler's calls show (``child_process`` → shell, ``fetch`` →
network ...), ``file --contains--> server / tool`` and ``server --has_tool--> tool``.  Which
classes, methods and calls count is data (``javascript.yaml``, ``mcp_servers``).
"""

from __future__ import annotations

import tree_sitter
from pydantic import BaseModel, ConfigDict

from aispm.core.model import Inventory
from aispm.discover.code.base import SourceFile
from aispm.discover.code.javascript_syntax import (
    Resolver,
    Syntax,
    arguments,
    callee,
    first_argument,
    line,
    object_pairs,
    text,
    walk,
)
from aispm.discover.code.python_data import Globs
from aispm.discover.code.python_found import Found, McpRec, ToolRec
from aispm.discover.code.python_mcp import implemented_server

_FUNCTIONS = frozenset({"arrow_function", "function_expression", "function"})


class JsMcpServers(BaseModel):
    """The ``mcp_servers`` section of ``data/javascript.yaml`` (documented there)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    classes: tuple[str, ...]
    tool_methods: frozenset[str]
    transports: dict[str, str]
    capabilities: dict[str, tuple[str, ...]]
    global_capabilities: dict[str, str]


def find_mcp_servers(
    file: SourceFile, out: Inventory, language: str, syntax: Syntax, resolver: Resolver, config: JsMcpServers
) -> None:
    """Add the MCP servers implemented in the file, with their tools, to ``out``."""
    classes = Globs(config.classes)
    servers: dict[int, McpRec] = {}
    transports: set[str] = set()
    for call in syntax.calls:
        if call.type != "new_expression":
            continue
        ref = resolver.ref(callee(call))
        if ref is None:
            continue
        if classes(ref.name):
            name = _server_name(call, syntax, resolver) or "mcp_server"
            servers[id(call)] = McpRec(name, implemented_server("mcp"), line(call))
        elif ref.path and ref.path[-1] in config.transports:
            transports.add(config.transports[ref.path[-1]])
    if not servers:
        return
    found = Found()
    for rec in servers.values():
        if len(transports) == 1:
            rec.properties["transport"] = next(iter(transports))
        found.mcp_servers.setdefault(rec.name, rec)
    capabilities = {cap: Globs(patterns) for cap, patterns in config.capabilities.items()}
    for call in syntax.calls:
        function = callee(call)
        if call.type != "call_expression" or function is None or function.type != "member_expression":
            continue
        method = function.child_by_field_name("property")
        if method is None or text(method) not in config.tool_methods:
            continue
        server = _server_of(function.child_by_field_name("object"), servers, syntax)
        tool_name = resolver.string(first_argument(call))
        if server is None or tool_name is None:
            continue
        tool = ToolRec(tool_name.value, tool_name.value, "mcp", line(call))
        handler = next((a for a in reversed(arguments(call)) if a.type in _FUNCTIONS), None)
        if handler is not None:
            tool.capabilities |= _capabilities(handler, syntax, resolver, capabilities, config)
        tool = found.tools.setdefault(tool.function, tool)
        if tool not in server.tools:
            server.tools.append(tool)
    found.emit(file, out, language)


def _server_name(call: tree_sitter.Node, syntax: Syntax, resolver: Resolver) -> str | None:
    """The ``name`` of the server's first options object, else the variable it is bound to."""
    for key, value in object_pairs(call):
        if key == "name":
            named = resolver.string(value)
            if named is not None and named.value:
                return named.value
            break
    return next((n for n, values in syntax.bound.items() if any(v is call for v, _ in values)), None)


def _server_of(owner: tree_sitter.Node | None, servers: dict[int, McpRec], syntax: Syntax) -> McpRec | None:
    """The server a ``x.tool(...)`` call registers with: the one ``x`` (or ``this.x``) is bound
    to, else the file's only server."""
    if owner is not None and owner.type in ("identifier", "member_expression"):
        for value, _ in syntax.bound.get(text(owner), ()):
            node: tree_sitter.Node | None = value
            while node is not None and node.type in ("await_expression", "parenthesized_expression"):
                node = node.named_children[0] if node.named_children else None
            if node is not None and id(node) in servers:
                return servers[id(node)]
    return next(iter(servers.values())) if len(servers) == 1 else None


def _capabilities(
    handler: tree_sitter.Node,
    syntax: Syntax,
    resolver: Resolver,
    capabilities: dict[str, Globs],
    config: JsMcpServers,
) -> set[str]:
    """What the calls inside a tool handler can do (its own body only, not functions it calls)."""
    found: set[str] = set()
    for node in walk(handler):
        if node.type not in ("call_expression", "new_expression"):
            continue
        function = callee(node)
        ref = resolver.ref(function)
        if ref is not None:
            found.update(cap for cap, globs in capabilities.items() if globs(ref.name))
        elif function is not None and function.type == "identifier":
            name = text(function)
            if (
                name in config.global_capabilities
                and name not in syntax.bound
                and name not in syntax.imported
            ):
                found.add(config.global_capabilities[name])
    return found
