"""LLM output flowing into dangerous sinks (OWASP LLM05), by an intra-procedural taint pass.

Within one function (or the module body), the result of an LLM call is tainted, and so is
everything computed from it: attribute and item access, formatting, method calls on it, calls
that take it as an argument (except sanitizers such as ``int`` or ``shlex.quote``), and the
variables it is assigned to.  Taint is never removed by reassignment (branches are not told
apart).  Sources, sanitizers and sinks are data (``llm_taint.yaml``).
"""

from __future__ import annotations

import ast

from aispm.discover.code.python_context import Context
from aispm.discover.code.python_index import child_nodes
from aispm.discover.code.python_resolve import Origin, Scope

_OPAQUE = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class TaintTracker:
    """Tracks tainted variables per scope and records sinks reached by tainted values."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def origin(self, expr: ast.expr, scope: Scope) -> Origin | None:
        """The LLM call a value comes from, or ``None`` when it is not tainted."""
        stack: list[ast.AST] = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name):
                found = scope.taint.get(node.id)
                if found is not None:
                    return found
                continue
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                found = scope.taint.get(f"self.{node.attr}")
                if found is not None:
                    return found
                continue
            if isinstance(node, _OPAQUE):
                continue
            if isinstance(node, ast.Call):
                name, ref = self.ctx.resolver.call_name(node, scope)
                if ref is not None and ref.entry is not None and self.ctx.data.taint_sources(name):
                    return Origin(ref.name, self.ctx.line(node))
                if self.ctx.data.sanitizers(name):
                    continue
            stack.extend(child_nodes(node))
        return None

    def on_assign(self, target: ast.expr, value: ast.expr | None, scope: Scope) -> None:
        if value is None:
            return
        found = self.origin(value, scope)
        if found is None:
            return
        if isinstance(target, ast.Name):
            scope.taint.setdefault(target.id, found)
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
            scope.taint.setdefault(f"{target.value.id}.{target.attr}", found)

    def on_call(self, call: ast.Call, name: str | None, scope: Scope) -> None:
        sink = self.ctx.data.sinks.find(name)
        if sink is None or name is None:
            return
        if sink.any:
            exprs = [*call.args, *(kw.value for kw in call.keywords)]
        else:
            exprs = [call.args[i] for i in sink.positions if i < len(call.args)]
            exprs += [kw.value for kw in call.keywords if kw.arg in sink.keywords]
        for expr in exprs:
            found = self.origin(expr, scope)
            if found is not None:
                record = {
                    "sink": name,
                    "line": self.ctx.line(call),
                    "source": found.name,
                    "source_line": found.line,
                }
                if record not in self.ctx.found.sinks:
                    self.ctx.found.sinks.append(record)
                return
