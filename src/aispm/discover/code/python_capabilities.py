"""What an agent tool can do: the capability categories of the calls in its body.

Categories and the calls that give them are data (``tool_capabilities.yaml``).  A tool function
is walked with the module's bindings (so ``p = Path(x); p.write_text(s)`` is resolved), and so
are the module functions (or, for tool classes, the methods of the same class) it calls, one
level deep.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from aispm.discover.code.python_data import ArgSpec, PythonData
from aispm.discover.code.python_resolve import Resolver, Scope
from aispm.discover.code.python_walk import FunctionNode, Walker

_WRITE_MODES = frozenset("wax+")


class CapabilityScanner:
    """Scans function bodies of one module for capability-giving calls."""

    def __init__(
        self,
        resolver: Resolver,
        data: PythonData,
        module_scope: Scope,
        functions: Mapping[str, FunctionNode],
    ) -> None:
        self.resolver = resolver
        self.data = data
        self.module_scope = module_scope
        self.functions = functions
        self._cache: dict[int, tuple[set[str], list[FunctionNode]]] = {}

    def of_function(self, node: FunctionNode, methods: Mapping[str, FunctionNode] | None = None) -> set[str]:
        """Capabilities of ``node`` and of the functions / sibling methods it calls."""
        capabilities, callees = self._scan(node, methods or {})
        result = set(capabilities)
        for callee in callees:
            if callee is not node:
                result |= self._scan(callee, methods or {})[0]
        return result

    def _scan(
        self, node: FunctionNode, methods: Mapping[str, FunctionNode]
    ) -> tuple[set[str], list[FunctionNode]]:
        cached = self._cache.get(id(node))
        if cached is not None:
            return cached
        visitor = _Visitor(self, methods)
        Walker(self.resolver, visitor).function(node, self.module_scope)
        self._cache[id(node)] = (visitor.capabilities, visitor.callees)
        return visitor.capabilities, visitor.callees

    def of_call(self, call: ast.Call, scope: Scope) -> set[str]:
        """Capabilities one call gives."""
        name, ref = self.resolver.call_name(call, scope)
        found: set[str] = set()
        if name:
            found = {cap for cap, globs in self.data.capability_calls.items() if globs(name)}
        caps = self.data.capabilities
        if name in caps.open_calls:
            found |= self._open_mode(call, caps.open_calls[name], scope)
        if name in caps.dynamic_only:
            first = call.args[0] if call.args else None
            if first is None or self.resolver.literal(first, scope) is None:
                found.add("code_exec")
            else:
                found.discard("code_exec")
        if isinstance(call.func, ast.Attribute) and call.func.attr in caps.sql_methods:
            from_db = ref is not None and self.data.sql_modules(ref.name)
            if from_db or (call.args and not _plain_string(call.args[0], self.resolver, scope)):
                found.add("sql")
        if name in caps.sql_text and call.args and not _plain_string(call.args[0], self.resolver, scope):
            found.add("sql")
        return found

    def _open_mode(self, call: ast.Call, position: int, scope: Scope) -> set[str]:
        mode_expr = ArgSpec(position=position, keywords=("mode",)).pick(call)
        if mode_expr is None:
            return {"file_read"}
        mode = self.resolver.literal(mode_expr, scope)
        if mode is None or not isinstance(mode.value, str):
            return {"file_read", "file_write"}
        if _WRITE_MODES & set(mode.value):
            return {"file_write", "file_read"} if ("+" in mode.value or "r" in mode.value) else {"file_write"}
        return {"file_read"}


def _plain_string(expr: ast.expr, resolver: Resolver, scope: Scope) -> bool:
    literal = resolver.literal(expr, scope)
    return literal is not None and isinstance(literal.value, str) and not isinstance(expr, ast.JoinedStr)


class _Visitor:
    """Walk handler collecting capabilities and same-module callees of one function."""

    def __init__(self, scanner: CapabilityScanner, methods: Mapping[str, FunctionNode]) -> None:
        self.scanner = scanner
        self.methods = methods
        self.capabilities: set[str] = set()
        self.callees: list[FunctionNode] = []

    def on_expr(self, node: ast.expr, scope: Scope) -> None:
        if not isinstance(node, ast.Call):
            return
        self.capabilities |= self.scanner.of_call(node, scope)
        func = node.func
        callee: FunctionNode | None = None
        if isinstance(func, ast.Name) and scope.owner(func.id) in (None, scope.module):
            callee = self.scanner.functions.get(func.id)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            callee = self.methods.get(func.attr)
        if callee is not None and callee not in self.callees:
            self.callees.append(callee)

    def on_assign(self, target: ast.expr, value: ast.expr | None, scope: Scope) -> None:
        return None

    def on_def(self, node: FunctionNode, scope: Scope) -> None:
        return None

    def on_class(self, node: ast.ClassDef, scope: Scope) -> None:
        return None
