"""Agents, tools and MCP servers declared in Python code.

Frameworks are data (``agent_frameworks.yaml``): tool decorators (``@tool``,
``@function_tool``, ``@mcp.tool()``), tool registrations (``StructuredTool.from_function``),
tool base classes (``BaseTool`` subclasses), built-in tools with known capabilities
(``ShellTool``), agent constructors and MCP client / server classes.  Objects created by calls
are remembered by call node, so ``agent = Agent(tools=[search], mcp_servers=[fs])`` links the
agent to the tool ``search`` and the MCP server bound to ``fs``.  Tool capabilities are computed
after the walk, when every module binding is known.
"""

from __future__ import annotations

import ast
from typing import Any

from aispm.discover.code.python_capabilities import CapabilityScanner
from aispm.discover.code.python_context import Context
from aispm.discover.code.python_data import AgentSpec, ArgSpec, McpClientSpec
from aispm.discover.code.python_found import AgentRec, McpRec, ModelRec, ToolRec
from aispm.discover.code.python_mcp import client_server_properties, implemented_server, plain, serving
from aispm.discover.code.python_models import ModelTracker
from aispm.discover.code.python_resolve import Literal, Ref, Scope
from aispm.discover.code.python_walk import FunctionNode

_Methods = dict[str, FunctionNode]
_RUN_TRANSPORT = ArgSpec(position=0, keywords=("transport",))
_RUN_HOST = ArgSpec(keywords=("host",))
_RUN_PORT = ArgSpec(keywords=("port",))


class AgentTracker:
    """Finds agents, tools and MCP servers in one module."""

    def __init__(self, ctx: Context, models: ModelTracker) -> None:
        self.ctx = ctx
        self.data = ctx.data
        self.models = models
        self.functions: dict[str, FunctionNode] = ctx.resolver.index.functions
        """The first function of each name in the module (nested ones included)."""
        self.class_tools: dict[str, ToolRec] = {}
        self._pending: list[tuple[ToolRec, FunctionNode, _Methods]] = []

    # --- definitions ----------------------------------------------------------------------------

    def on_def(self, node: FunctionNode, scope: Scope) -> None:
        """A function decorated as a tool becomes a tool (of its owner object, if any)."""
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            ref = self.ctx.resolver.ref(target, scope)
            spec = self.data.tool_decorators.find(ref.name) if ref and self._allowed(ref) else None
            if spec is None:
                continue
            name = self._decorator_tool_name(decorator, scope)
            tool = self.function_tool(node, spec.framework, name)
            if spec.owner and isinstance(target, ast.Attribute):
                self._attach(self.ctx.obj(target.value, scope), [tool])
            return

    def _decorator_tool_name(self, decorator: ast.expr, scope: Scope) -> str | None:
        if not isinstance(decorator, ast.Call):
            return None
        exprs = [kw.value for kw in decorator.keywords if kw.arg in ("name", "name_override")]
        exprs += decorator.args[:1]
        for expr in exprs:
            found = self.ctx.resolver.string(expr, scope)
            if found is not None:
                return str(found.value)
        return None

    def on_class(self, node: ast.ClassDef, scope: Scope) -> None:
        """A subclass of a framework tool base class becomes a tool named after the class."""
        for base in node.bases:
            ref = self.ctx.resolver.ref(base, scope)
            spec = self.data.tool_base_classes.find(ref.name) if ref else None
            if spec is None:
                continue
            methods: _Methods = {
                m.name: m for m in node.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)
            }
            tool = ToolRec(
                self._class_tool_name(node, scope) or node.name,
                node.name,
                spec.framework,
                self.ctx.line(node),
            )
            for method_name, method in methods.items():
                if method_name in self.data.frameworks.tool_methods:
                    self._pending.append((tool, method, methods))
            self.class_tools[node.name] = tool
            self.ctx.found.tools.setdefault(node.name, tool)
            return

    def _class_tool_name(self, node: ast.ClassDef, scope: Scope) -> str | None:
        for statement in node.body:
            target: ast.expr | None = None
            value: ast.expr | None = None
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target, value = statement.targets[0], statement.value
            elif isinstance(statement, ast.AnnAssign):
                target, value = statement.target, statement.value
            if isinstance(target, ast.Name) and target.id == "name" and value is not None:
                found = self.ctx.resolver.string(value, scope)
                if found is not None:
                    return str(found.value)
        return None

    def function_tool(self, node: FunctionNode, framework: str, name: str | None = None) -> ToolRec:
        """The tool made of module function ``node`` (one per function)."""
        existing = self.ctx.found.tools.get(node.name)
        if existing is not None:
            return existing
        tool = ToolRec(name or node.name, node.name, framework, self.ctx.line(node))
        self.ctx.found.tools[node.name] = tool
        self._pending.append((tool, node, {}))
        return tool

    def finish(self, module_scope: Scope) -> None:
        """Compute the capabilities of every tool found, with the complete module bindings."""
        scanner = CapabilityScanner(self.ctx.resolver, self.data, module_scope, self.functions)
        for tool, node, methods in self._pending:
            tool.capabilities |= scanner.of_function(node, methods)

    # --- calls -------------------------------------------------------------------------------------

    def _allowed(self, ref: Ref) -> bool:
        return not self.ctx.resolver.blocked(ref.name)

    def on_call(self, call: ast.Call, name: str, ref: Ref, scope: Scope) -> None:
        if not self._allowed(ref) or ref.qname.endswith("()"):
            return  # a call of an object (`agent("question")`) creates no agent, tool or server
        data = self.data
        if self._tool_loader(call, name, scope):
            return
        builtin = self._builtin(name, call)
        if builtin is not None:
            self.ctx.objects[id(call)] = builtin
            return
        if data.load_tools(name):
            self._load_tools(call, scope)
            return
        registration = data.tool_registrations.find(name)
        if registration is not None:
            function = self._function(registration.function.pick(call), scope)
            if function is not None:
                label = self.ctx.resolver.string(registration.name.pick(call), scope)
                tool = self.function_tool(function, registration.framework, _text(label))
                self.ctx.objects[id(call)] = tool
                self._attach(self.ctx.obj(registration.owner.pick(call), scope), [tool])
            return
        agent = data.agents.find(name)
        if agent is not None:
            self._agent(call, agent, name, scope)
            return
        client = data.mcp_clients.find(name)
        if client is not None:
            self._mcp_client(call, client, scope)
            return
        server = data.mcp_servers.find(name)
        if server is not None:
            label = self.ctx.resolver.string(server.name.pick(call), scope)
            server_name = _text(label) or self.ctx.assigned.get(id(call)) or "mcp_server"
            rec = self.ctx.found.mcp_servers.setdefault(
                server_name, McpRec(server_name, implemented_server(server.framework), self.ctx.line(call))
            )
            self._serving(rec, call, server.transport, server.host, server.port, scope)
            self.ctx.objects[id(call)] = rec
            return
        self._server_run(call, scope)

    def _serving(
        self, rec: McpRec, call: ast.Call, transport: ArgSpec, host: ArgSpec, port: ArgSpec, scope: Scope
    ) -> None:
        values: list[object] = []
        for spec in (transport, host, port):
            expr = spec.pick(call)
            found = self.ctx.resolver.literal(expr, scope) if expr is not None else None
            values.append(found.value if found is not None else None)
        serving(rec.properties, *values)

    def _server_run(self, call: ast.Call, scope: Scope) -> None:
        """``mcp.run(transport="http", host="0.0.0.0")`` on a server implemented in the file."""
        if not isinstance(call.func, ast.Attribute):
            return
        if not any(call.func.attr in spec.run for spec in self.data.frameworks.mcp_servers):
            return
        owner = self.ctx.obj(call.func.value, scope)
        if isinstance(owner, McpRec) and owner.properties.get("implemented_in_code"):
            self._serving(owner, call, _RUN_TRANSPORT, _RUN_HOST, _RUN_PORT, scope)

    def _builtin(self, name: str, at: ast.AST) -> ToolRec | None:
        """The framework tool ``name`` (``ShellTool``, ``google_search``) as a tool of the file."""
        spec = self.data.builtin_tools.find(name)
        if spec is None:
            return None
        short = name.rsplit(".", 1)[-1]
        tool = ToolRec(short, short, spec.framework, self.ctx.line(at), set(spec.capabilities))
        return self.ctx.found.tools.setdefault(short, tool)

    def _named_tool(self, node: ast.Name | ast.Attribute, scope: Scope, framework: str) -> ToolRec | None:
        """The tool a name in a tool list stands for: a tool found in the file (a decorated
        function, also as ``Class.method``), a module function, or a framework's built-in tool
        used without a call (``tools=[google_search]``)."""
        local = node.id if isinstance(node, ast.Name) else node.attr
        ref = self.ctx.resolver.ref(node, scope)
        existing = self.ctx.found.tools.get(local)
        if existing is not None and (isinstance(node, ast.Name) or ref is None):
            return existing
        if isinstance(node, ast.Name) and local in self.functions and ref is None:
            return self.function_tool(self.functions[local], framework)
        return self._builtin(ref.name, node) if ref is not None and self._allowed(ref) else None

    def _tool_loader(self, call: ast.Call, name: str, scope: Scope) -> bool:
        """``client.get_tools()`` of an MCP client / ``toolkit.get_tools()`` of a built-in toolkit."""
        if not isinstance(call.func, ast.Attribute):
            return False
        owner = self.ctx.obj(call.func.value, scope)
        if self.data.mcp_tool_loaders(name) and owner is not None:
            self.ctx.objects[id(call)] = owner if isinstance(owner, list) else [owner]
            return True
        if call.func.attr in ("get_tools", "as_tools", "to_tool_list") and isinstance(owner, ToolRec):
            self.ctx.objects[id(call)] = owner
            return True
        return False

    def _load_tools(self, call: ast.Call, scope: Scope) -> None:
        config = self.data.frameworks.load_tools
        names = plain(call.args[0] if call.args else None, self.ctx.resolver, scope)
        tools: list[ToolRec] = []
        for tool_name in names if isinstance(names, list) else []:
            if isinstance(tool_name, str) and tool_name:
                caps = set(config.names.get(tool_name, config.default))
                tool = ToolRec(tool_name, tool_name, "langchain", self.ctx.line(call), caps)
                tools.append(self.ctx.found.tools.setdefault(tool_name, tool))
        self.ctx.objects[id(call)] = tools

    def _function(self, expr: ast.expr | None, scope: Scope) -> FunctionNode | None:
        if expr is None:
            return None
        node, _ = self.ctx.resolver.value(expr, scope)
        return self.functions.get(node.id) if isinstance(node, ast.Name) else None

    def _attach(self, owner: object, tools: list[ToolRec]) -> None:
        if isinstance(owner, AgentRec):
            owner.add_tools(tools)
        elif isinstance(owner, McpRec):
            owner.tools.extend(t for t in tools if t not in owner.tools)

    # --- agents ------------------------------------------------------------------------------------

    def _agent(self, call: ast.Call, spec: AgentSpec, name: str, scope: Scope) -> None:
        tools, servers = self.collect(spec.tools.pick(call), scope, spec.framework)
        _, more_servers = self.collect(spec.mcp_servers.pick(call), scope, spec.framework)
        servers += more_servers
        inner = self.ctx.obj(spec.inner.pick(call), scope)
        if isinstance(inner, AgentRec):
            inner.add_tools(tools)
            inner.add_servers(servers)
            self.ctx.objects[id(call)] = inner
            return
        label = self.ctx.resolver.string(spec.name.pick(call), scope)
        agent_name = (
            _text(label) or self.ctx.assigned.get(id(call)) or scope.function or name.rsplit(".", 1)[-1]
        )
        agent = self.ctx.found.agents.setdefault(
            agent_name, AgentRec(agent_name, spec.framework, self.ctx.line(call))
        )
        agent.model = agent.model or self._model(call, spec, name, scope)
        agent.add_tools([t for t in (self._builtin(b, call) for b in spec.builtin) if t is not None])
        agent.add_tools(tools)
        agent.add_servers(servers)
        self.ctx.objects[id(call)] = agent

    def _model(self, call: ast.Call, spec: AgentSpec, name: str, scope: Scope) -> ModelRec | None:
        own = self.ctx.models_at.get(id(call))
        if own is not None:
            return own
        expr = spec.model.pick(call)
        if expr is None:
            return None
        node, owner = self.ctx.resolver.value(expr, scope)
        if isinstance(node, ast.Call):
            return self.ctx.models_at.get(id(node))
        literal = self.ctx.resolver.string(node, owner)
        if literal is None and isinstance(node, ast.Dict):  # AutoGen llm_config={"config_list": [...]}
            found = _find_key(plain(node, self.ctx.resolver, owner), "model")
            literal = Literal(found) if isinstance(found, str) else None
        entry = self.ctx.resolver.catalog.by_id.get(spec.framework)
        if literal is None or entry is None:
            return None
        return self.models.model(literal, entry, call, name, scope)

    def collect(
        self, expr: ast.expr | None, scope: Scope, framework: str
    ) -> tuple[list[ToolRec], list[McpRec]]:
        """Tools and MCP servers in an agent argument: lists, concatenations, variables,
        functions, tool objects, toolkits and MCP clients' ``get_tools()``."""
        tools: list[ToolRec] = []
        servers: list[McpRec] = []
        if expr is None:
            return tools, servers
        for node, owner in self.ctx.resolver.elements(expr, scope, sets=True, dict_values=True):
            if isinstance(node, ast.Call):
                self._objects_of(node, tools, servers)
            elif isinstance(node, ast.Name | ast.Attribute):
                tool = self._named_tool(node, owner, framework)
                if tool is not None:
                    tools.append(tool)
        return tools, servers

    def _objects_of(self, call: ast.Call, tools: list[ToolRec], servers: list[McpRec]) -> None:
        created: Any = self.ctx.objects.get(id(call))
        if created is None and isinstance(call.func, ast.Name):
            created = self.class_tools.get(call.func.id)
        for item in created if isinstance(created, list) else [created]:
            if isinstance(item, ToolRec):
                tools.append(item)
            elif isinstance(item, McpRec):
                servers.append(item)

    # --- MCP clients ---------------------------------------------------------------------------

    def _mcp_client(self, call: ast.Call, spec: McpClientSpec, scope: Scope) -> None:
        resolver = self.ctx.resolver
        servers_arg = spec.servers.pick(call)
        if servers_arg is not None:
            table = plain(servers_arg, resolver, scope)
            created = [
                self._server(str(key), value, spec.transport, call)
                for key, value in (table.items() if isinstance(table, dict) else [])
                if isinstance(value, dict)
            ]
            self.ctx.objects[id(call)] = created
            return
        params = plain(spec.params.pick(call), resolver, scope)
        if not isinstance(params, dict):
            params = {
                "command": plain(spec.command.pick(call), resolver, scope),
                "args": plain(spec.args.pick(call), resolver, scope),
                "env": plain(spec.env.pick(call), resolver, scope),
                "url": plain(spec.url.pick(call), resolver, scope),
            }
        label = _text(resolver.string(spec.name.pick(call), scope)) or self.ctx.assigned.get(id(call))
        self.ctx.objects[id(call)] = self._server(label, params, spec.transport, call)

    def _server(self, name: str | None, params: dict[str, Any], transport: str, call: ast.Call) -> McpRec:
        spec = {k: v for k, v in params.items() if v is not None}
        props = client_server_properties(spec, transport)
        server_name = name or props.get("package") or props.get("command") or props.get("url") or "mcp_server"
        rec = McpRec(str(server_name), props, self.ctx.line(call))
        return self.ctx.found.mcp_servers.setdefault(rec.name, rec)


def _text(literal: Literal | None) -> str | None:
    return str(literal.value) if literal is not None and literal.value else None


def _find_key(value: Any, key: str, depth: int = 0) -> Any:
    """The first value of ``key`` in nested dicts / lists."""
    if depth > 6:
        return None
    if isinstance(value, dict):
        if key in value:
            return value[key]
        children = list(value.values())
    elif isinstance(value, list):
        children = value
    else:
        return None
    for child in children:
        found = _find_key(child, key, depth + 1)
        if found is not None:
            return found
    return None
