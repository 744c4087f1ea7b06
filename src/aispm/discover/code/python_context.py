"""State shared by the parts of the Python analysis of one file."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from aispm.discover.code.base import SourceFile
from aispm.discover.code.python_data import PythonData
from aispm.discover.code.python_found import Found, ModelRec
from aispm.discover.code.python_resolve import Resolver, Scope


@dataclass(slots=True)
class Context:
    """The file, its resolver and data, what was found so far, and objects created by calls."""

    file: SourceFile
    resolver: Resolver
    data: PythonData
    line_of: Callable[[int], int]
    """Maps a line of the parsed source to the line of the file (notebooks differ)."""
    found: Found = field(default_factory=Found)
    objects: dict[int, object] = field(default_factory=dict)
    """What a call node created (agent, tool, MCP server, list of those), by ``id(node)``."""
    models_at: dict[int, ModelRec] = field(default_factory=dict)
    """The model a call named, by ``id(node)``."""
    assigned: dict[int, str] = field(default_factory=dict)
    """The variable (or ``self`` attribute) a call's result is assigned to, by ``id(node)``."""

    def line(self, node: ast.AST) -> int:
        return self.line_of(getattr(node, "lineno", 1))

    def obj(self, expr: ast.expr | None, scope: Scope) -> object | None:
        """The object that the call ``expr`` evaluates to (following variables) created."""
        if expr is None:
            return None
        node, _ = self.resolver.value(expr, scope)
        return self.objects.get(id(node)) if isinstance(node, ast.Call) else None


def assignment_targets(tree: ast.AST) -> dict[int, str]:
    """``id(call) -> name`` for ``name = call(...)``, ``self.name = await call(...)`` and
    ``with call(...) as name``."""
    targets: dict[int, str] = {}
    for node in ast.walk(tree):
        pairs: list[tuple[ast.expr, ast.expr | None]] = []
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            pairs.append((node.targets[0], node.value))
        elif isinstance(node, ast.AnnAssign):
            pairs.append((node.target, node.value))
        elif isinstance(node, ast.With | ast.AsyncWith):
            pairs.extend((item.optional_vars, item.context_expr) for item in node.items if item.optional_vars)
        for target, value in pairs:
            if isinstance(value, ast.Await):
                value = value.value
            if not isinstance(value, ast.Call):
                continue
            if isinstance(target, ast.Name):
                targets[id(value)] = target.id
            elif isinstance(target, ast.Attribute):
                targets[id(value)] = target.attr
    return targets
