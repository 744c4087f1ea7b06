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
