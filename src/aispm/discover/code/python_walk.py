"""An ordered walk over a module that keeps variable bindings as code would create them.

Statements of a body are visited in order; expressions in post-order (inner calls before the
call that takes them as arguments).  Function bodies are walked after the body that defines
them, so they see every module-level binding, as they would when called.  A
:class:`WalkHandler` is told about every expression node, assignment, function and class.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Protocol

from aispm.discover.code.python_index import FunctionNode, child_nodes
from aispm.discover.code.python_resolve import Resolver, Scope

__all__ = ["FunctionNode", "WalkHandler", "Walker", "postorder"]


class WalkHandler(Protocol):
    def on_expr(self, node: ast.expr, scope: Scope) -> None:
        """Every expression node, children first."""

    def on_assign(self, target: ast.expr, value: ast.expr | None, scope: Scope) -> None:
        """A name (or ``self.x``) was bound, or another attribute or an item set; ``value`` is
        what flows into it (may be partial)."""

    def on_def(self, node: FunctionNode, scope: Scope) -> None:
        """A function definition, after its decorators were visited."""

    def on_class(self, node: ast.ClassDef, scope: Scope) -> None:
        """A class definition, after its bases were visited and before its body."""


def postorder(node: ast.AST) -> Iterator[ast.expr]:
    """Expression nodes of ``node``, every child before its parent (no recursion).

    A pre-order walk that takes the last child first, reversed, is the left-to-right post-order.
    """
    stack: list[ast.AST] = [node]
    visited: list[ast.AST] = []
    while stack:
        current = stack.pop()
        visited.append(current)
        stack.extend(child_nodes(current))
    return (n for n in reversed(visited) if isinstance(n, ast.expr))


class Walker:
    """Walks one module (or one function) in execution-like order."""

    def __init__(self, resolver: Resolver, handler: WalkHandler) -> None:
        self.resolver = resolver
        self.handler = handler

    def module(self, tree: ast.Module) -> Scope:
        scope = Scope(None, tree.body, counts=self.resolver.index.counts.get(id(tree)))
        self._body(tree.body, scope)
        return scope

    def function(self, node: FunctionNode, enclosing: Scope) -> Scope:
        """Walk one function body in a new scope below ``enclosing``."""
        parent = enclosing
        while parent.is_class and parent.parent is not None:
            parent = parent.parent
        scope = Scope(parent, node.body, function=node.name, counts=self.resolver.index.counts.get(id(node)))
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        defaults += args.defaults
        pairs = [*zip(positional, defaults, strict=True)]
        pairs += zip(args.kwonlyargs, args.kw_defaults, strict=True)
        for arg, default in pairs:
            # a parameter holds its default unless a caller passes another value: the default
            # is evaluated where the function is defined
            ref = self.resolver.ref(default, enclosing) if default is not None else None
            scope.bind(arg.arg, default, ref, origin=enclosing)
            scope.params.add(arg.arg)
        for rest in (args.vararg, args.kwarg):
            if rest is not None:
                scope.bind(rest.arg, None, None)
        self._body(node.body, scope)
        return scope

    def _body(self, body: list[ast.stmt], scope: Scope) -> None:
        deferred: list[FunctionNode] = []
        for statement in body:
            self._stmt(statement, scope, deferred)
        for node in deferred:
            self.function(node, scope)

    def _stmt(self, st: ast.stmt, scope: Scope, deferred: list[FunctionNode]) -> None:
        if isinstance(st, ast.FunctionDef | ast.AsyncFunctionDef):
            for expr in [*st.decorator_list, *st.args.defaults, *st.args.kw_defaults]:
                if expr is not None:
                    self._expr(expr, scope)
            scope.bind(st.name, None, None)
            self.handler.on_def(st, scope)
            deferred.append(st)
        elif isinstance(st, ast.ClassDef):
            for expr in [*st.decorator_list, *st.bases, *(k.value for k in st.keywords)]:
                self._expr(expr, scope)
            scope.bind(st.name, None, None)
            self.handler.on_class(st, scope)
            counts = self.resolver.index.counts.get(id(st))
            self._body(st.body, Scope(scope, st.body, is_class=True, counts=counts))
        elif isinstance(st, ast.Assign):
            self._expr(st.value, scope)
            for target in st.targets:
                self._bind(target, st.value, scope)
        elif isinstance(st, ast.AnnAssign):
            if st.value is not None:
                self._expr(st.value, scope)
                self._bind(st.target, st.value, scope)
        elif isinstance(st, ast.AugAssign):
            self._expr(st.value, scope)
            if isinstance(st.target, ast.Name):
                scope.bind(st.target.id, None, None)
            if not isinstance(st.target, ast.Subscript):  # `d["k"] += v` sets no value of its own
                self.handler.on_assign(st.target, st.value, scope)
        elif isinstance(st, ast.For | ast.AsyncFor):
            self._expr(st.iter, scope)
            self._bind(st.target, None, scope, flow=st.iter)
            self._block(st.body, scope, deferred)
            self._block(st.orelse, scope, deferred)
        elif isinstance(st, ast.With | ast.AsyncWith):
            for item in st.items:
                self._expr(item.context_expr, scope)
                if item.optional_vars is not None:
                    self._bind(item.optional_vars, item.context_expr, scope)
            self._block(st.body, scope, deferred)
        elif isinstance(st, ast.If | ast.While):
            self._expr(st.test, scope)
            self._block(st.body, scope, deferred)
            self._block(st.orelse, scope, deferred)
        elif isinstance(st, ast.Try | ast.TryStar):
            self._block(st.body, scope, deferred)
            for handler in st.handlers:
                if handler.type is not None:
                    self._expr(handler.type, scope)
                if handler.name:
                    scope.bind(handler.name, None, None)
                self._block(handler.body, scope, deferred)
            self._block(st.orelse, scope, deferred)
            self._block(st.finalbody, scope, deferred)
        elif isinstance(st, ast.Match):
            self._expr(st.subject, scope)
            for case in st.cases:
                if case.guard is not None:
                    self._expr(case.guard, scope)
                self._block(case.body, scope, deferred)
        else:
            for child in child_nodes(st):
                if isinstance(child, ast.expr):
                    self._expr(child, scope)

    def _block(self, body: list[ast.stmt], scope: Scope, deferred: list[FunctionNode]) -> None:
        for statement in body:
            self._stmt(statement, scope, deferred)

    def _expr(self, expr: ast.expr, scope: Scope) -> None:
        nodes = self.resolver.index.postorder.get(id(expr))
        for node in postorder(expr) if nodes is None else nodes:
            self.handler.on_expr(node, scope)
            if isinstance(node, ast.NamedExpr):
                self._bind(node.target, node.value, scope)

    def _bind(
        self, target: ast.expr, value: ast.expr | None, scope: Scope, flow: ast.expr | None = None
    ) -> None:
        """Bind ``target`` to ``value``; ``flow`` is what taints it when there is no value."""
        flow = value if flow is None else flow
        if isinstance(target, ast.Name):
            ref = self.resolver.ref(value, scope) if value is not None else None
            scope.bind(target.id, value, ref)
            if scope.is_class:  # a class attribute is also what `self.x` reads until set
                scope.module.bind(f"self.{target.id}", value, ref, origin=scope)
            self.handler.on_assign(target, flow, scope)
        elif isinstance(target, ast.Tuple | ast.List):
            pairs = (
                isinstance(value, ast.Tuple | ast.List)
                and len(value.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in [*value.elts, *target.elts])
            )
            for index, element in enumerate(target.elts):
                if pairs and isinstance(value, ast.Tuple | ast.List):
                    self._bind(element, value.elts[index], scope)
                else:
                    self._bind(element, None, scope, flow=flow)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, None, scope, flow=flow)
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id in ("self", "cls")
        ):
            ref = self.resolver.ref(value, scope) if value is not None else None
            scope.module.bind(f"self.{target.attr}", value, ref, origin=scope)
            self.handler.on_assign(target, flow, scope)
        elif isinstance(target, ast.Attribute | ast.Subscript):  # `openai.base_url = "…"`,
            self.handler.on_assign(target, flow, scope)  # `os.environ["X"] = "…"`: told, not bound
