"""Tools declared to a provider's API as JSON schemas (no agent framework).

``client.chat.completions.create(model=…, tools=[{"type": "function", "function": {"name":
"run_sql", …}}])`` and Anthropic's ``client.messages.create(tools=[{"name": "bash",
"input_schema": …}])`` give the model tools the code runs itself: the call is an agent (named
after the function it is in, else the variable it is assigned to) that invokes the call's model
and has those tools.  A tool named like a function of the module is that function, so its
capabilities are read from its body; the providers' built-in tools (``bash_20250124``,
``code_interpreter`` …) get theirs from ``agent_frameworks.yaml`` ``schema_tools``.
"""

from __future__ import annotations

import ast
from typing import Any, TypeGuard

from aispm.discover.code.catalog import CatalogEntry
from aispm.discover.code.python_agents import AgentTracker
from aispm.discover.code.python_context import Context
from aispm.discover.code.python_found import AgentRec, ToolRec
from aispm.discover.code.python_mcp import plain
from aispm.discover.code.python_resolve import Scope

MAX_TOOLS = 256
"""Tool definitions read from one call."""
_OWN_TYPES = frozenset({"function", "custom"})
"""``type`` values of tools the code implements (any other names a provider's built-in tool)."""
_DECLARATIONS = ("function_declarations", "functionDeclarations")


class SchemaToolTracker:
    """Finds JSON-schema tool lists in calls on AI SDKs of one file."""

    def __init__(self, ctx: Context, agents: AgentTracker) -> None:
        self.ctx = ctx
        self.agents = agents
        self.config = ctx.data.frameworks.schema_tools

    def on_call(self, call: ast.Call, name: str, entry: CatalogEntry, scope: Scope) -> None:
        if self.ctx.data.agents.find(name) is not None:
            return  # a framework's agent: its tools are the framework's (python_agents)
        tools: list[ToolRec] = []
        for keyword, value, owner in self.ctx.resolver.keywords(call, scope) if call.keywords else ():
            if keyword in self.config.keywords:
                tools.extend(self._tools(value, owner, entry.id))
        if not tools:
            return
        agent_name = scope.function or self.ctx.assigned.get(id(call)) or entry.id
        agent = self.ctx.found.agents.setdefault(
            agent_name, AgentRec(agent_name, entry.id, self.ctx.line(call))
        )
        agent.model = agent.model or self.ctx.models_at.get(id(call))
        agent.add_tools(tools)

    def _tools(self, expr: ast.expr, scope: Scope, framework: str) -> list[ToolRec]:
        """The tools of the definitions in ``expr``: lists (also through names, ``+`` and
        ``*rest``) of tool dicts."""
        found: list[ToolRec] = []
        for node, owner in self.ctx.resolver.elements(expr, scope):
            if isinstance(node, ast.Dict):
                found.extend(self._definition(node, owner, framework))
                if len(found) >= MAX_TOOLS:
                    break
        return found

    def _definition(self, node: ast.Dict, scope: Scope, framework: str) -> list[ToolRec]:
        value = plain(node, self.ctx.resolver, scope)
        if not isinstance(value, dict):
            return []
        line = self.ctx.line(node)
        for key in _DECLARATIONS:  # Gemini: one dict declares several functions
            declared = value.get(key)
            if isinstance(declared, list):
                names = [d.get("name") for d in declared if isinstance(d, dict)]
                return [self._tool(n, framework, line) for n in names if _is_name(n)]
        kind = value.get("type")
        if isinstance(kind, str) and kind not in _OWN_TYPES:
            builtin = self.ctx.data.schema_builtins.find(kind)
            label = value.get("name") if _is_name(value.get("name")) else kind
            return [self._tool(str(label), framework, line, builtin.capabilities if builtin else ())]
        function = value.get("function")
        if isinstance(function, dict) and _is_name(function.get("name")):  # OpenAI Chat Completions
            return [self._tool(str(function["name"]), framework, line)]
        schema = "parameters" in value or "input_schema" in value or kind in _OWN_TYPES
        if schema and _is_name(value.get("name")):  # Responses, legacy functions, Anthropic
            return [self._tool(str(value["name"]), framework, line)]
        return []

    def _tool(self, name: str, framework: str, line: int, capabilities: tuple[str, ...] = ()) -> ToolRec:
        function = self.agents.functions.get(name)
        if function is not None and not capabilities:
            return self.agents.function_tool(function, framework, name)
        tool = ToolRec(name, name, framework, line, set(capabilities))
        return self.ctx.found.tools.setdefault(name, tool)


def _is_name(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and 0 < len(value) <= 200 and not any(c.isspace() for c in value)
