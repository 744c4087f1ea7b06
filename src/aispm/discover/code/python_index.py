"""One pass over a parsed module that builds every index the Python analysis needs.

Walking an AST is the expensive part of the analysis, so imports, module functions, the names
call results are assigned to and the per-scope binding counts are all gathered by a single
breadth-first traversal (the order of :func:`ast.walk`, so "first definition wins" rules are
unchanged).  :func:`child_nodes` is a faster :func:`ast.iter_child_nodes` that leaves out the
context and operator leaves (``Load``, ``Add`` ...), which no part of the analysis looks at.
"""

from __future__ import annotations

import ast
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

_LEAF_FIELDS = frozenset(
    {"ctx", "op", "ops", "id", "attr", "arg", "module", "level", "kind", "type_comment", "asname"}
    | {"conversion", "is_async", "tag", "simple"}
)
"""Fields that never hold a node worth visiting: context / operator singletons, names, flags."""
_NO_CHILDREN: tuple[type[ast.AST], ...] = (ast.Constant, ast.Name)
_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
_OPAQUE = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
"""Bodies whose bindings are not bindings of the enclosing scope."""
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_OWNERS = (ast.Module, *_SCOPES)
"""Nodes whose ``body`` is a scope of its own."""


def _fields(kind: type[ast.AST]) -> tuple[str, ...]:
    fields = _FIELDS.get(kind)
    if fields is None:
        names = () if issubclass(kind, _NO_CHILDREN) else kind._fields
        fields = _FIELDS[kind] = tuple(f for f in names if f not in _LEAF_FIELDS)
    return fields


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """The child nodes of ``node`` in :func:`ast.iter_child_nodes` order, without the
    expression-context and operator leaves."""
    children: list[ast.AST] = []
    fields = _FIELDS.get(type(node))
    for name in _fields(type(node)) if fields is None else fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            children.append(value)
        elif isinstance(value, list):
            children.extend([item for item in value if isinstance(item, ast.AST)])
    return children


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One imported name: ``from langchain_openai import ChatOpenAI as C`` binds ``C``."""

    local: str | None
    """The name bound in the module (``None`` for ``from x import *``)."""
    qname: str
    """What the local name stands for (``langchain_openai.ChatOpenAI``)."""
    module: str
    """The module as written in the import statement."""
    line: int


@dataclass(slots=True)
class ModuleIndex:
    """What one traversal of a module found."""

    imports: list[ImportRecord] = field(default_factory=list)
    """Every absolute import, by line (relative imports name local code and are ignored)."""
    functions: dict[str, FunctionNode] = field(default_factory=dict)
    """The first function of each name, in :func:`ast.walk` order."""
    targets: dict[int, str] = field(default_factory=dict)
    """``id(call) -> name`` for ``name = call(...)``, ``self.name = await call(...)`` and
    ``with call(...) as name``."""
    counts: dict[int, Counter[str]] = field(default_factory=dict)
    """How often each name is bound directly in the body of a module, class or function
    (nested functions / classes / lambdas / comprehensions excluded), by ``id(node)``."""
    postorder: dict[int, list[ast.expr]] = field(default_factory=dict)
    """The expression nodes of each outermost expression (one not inside another), every
    child before its parent, by ``id(expression)``."""
    attribute_counts: Counter[str] = field(default_factory=Counter)
    """How often each ``self.x`` / ``cls.x`` attribute is bound in the file, class attributes
    (names bound in a class body) included."""


def index_module(tree: ast.AST) -> ModuleIndex:
    """Build the :class:`ModuleIndex` of ``tree`` in one traversal: breadth-first over
    statements (expressions hold none, so their order is that of :func:`ast.walk`), depth-first
    inside each outermost expression."""
    index = ModuleIndex()
    queue: deque[tuple[ast.AST, Counter[str] | None]] = deque([(tree, None)])
    class_counts: list[Counter[str]] = []
    while queue:
        node, counts = queue.popleft()
        if isinstance(node, ast.expr):
            index.postorder[id(node)] = _expression(node, counts, index.attribute_counts)
            continue
        _record(node, index)
        if counts is not None:
            if isinstance(node, _SCOPES):
                counts[node.name] += 1
                counts = None
            else:
                _count(node, counts)
        if isinstance(node, _OWNERS):
            own = index.counts[id(node)] = Counter()
            if isinstance(node, ast.ClassDef):
                class_counts.append(own)
            for name in _fields(type(node)):
                value = getattr(node, name, None)
                counted = own if name == "body" else None
                if isinstance(value, ast.AST):
                    queue.append((value, counted))
                elif isinstance(value, list):
                    queue.extend((item, counted) for item in value if isinstance(item, ast.AST))
        else:
            queue.extend((child, counts) for child in child_nodes(node))
    index.imports.sort(key=lambda r: r.line)
    for own in class_counts:
        index.attribute_counts.update(own)
    return index


def _expression(root: ast.expr, counts: Counter[str] | None, attributes: Counter[str]) -> list[ast.expr]:
    """The post-order of ``root``, counting the names it binds (outside lambdas and
    comprehensions) into ``counts`` and the ``self.x`` / ``cls.x`` it binds into
    ``attributes``."""
    stack: list[ast.AST] = [root]
    visited: list[ast.AST] = []  # pre-order, last child first: reversed, it is the post-order
    while stack:
        node = stack.pop()
        visited.append(node)
        if isinstance(node, ast.Name):
            if counts is not None and isinstance(node.ctx, ast.Store):
                counts[node.id] += 1
            continue
        if counts is not None and isinstance(node, _OPAQUE):
            _uncounted(node, visited)
            continue
        if (
            type(node) is ast.Attribute
            and type(node.ctx) is ast.Store
            and type(node.value) is ast.Name
            and node.value.id in ("self", "cls")
        ):
            attributes[node.attr] += 1
        fields = _FIELDS.get(type(node))
        for name in _fields(type(node)) if fields is None else fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend([item for item in value if isinstance(item, ast.AST)])
    return [node for node in reversed(visited) if isinstance(node, ast.expr)]


def _uncounted(node: ast.AST, visited: list[ast.AST]) -> None:
    """Append the descendants of ``node`` to ``visited`` in pre-order, last child first."""
    stack = child_nodes(node)
    while stack:
        current = stack.pop()
        visited.append(current)
        stack.extend(child_nodes(current))


def _count(node: ast.AST, counts: Counter[str]) -> None:
    """Bindings ``node`` itself makes in the scope being counted."""
    if isinstance(node, ast.Name):
        if isinstance(node.ctx, ast.Store):
            counts[node.id] += 1
    elif isinstance(node, ast.Import | ast.ImportFrom):
        for alias in node.names:
            counts[alias.asname or alias.name.split(".")[0]] += 1
    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        counts[node.target.id] += 1  # plus the Store below: never a constant


def _record(node: ast.AST, index: ModuleIndex) -> None:
    """Imports, functions and assignment targets of one node."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                index.imports.append(ImportRecord(alias.asname, alias.name, alias.name, node.lineno))
            else:
                top = alias.name.split(".")[0]
                index.imports.append(ImportRecord(top, top, alias.name, node.lineno))
    elif isinstance(node, ast.ImportFrom):
        if node.level == 0 and node.module:
            for alias in node.names:
                if alias.name == "*":
                    index.imports.append(ImportRecord(None, node.module, node.module, node.lineno))
                else:
                    local = alias.asname or alias.name
                    qname = f"{node.module}.{alias.name}"
                    index.imports.append(ImportRecord(local, qname, node.module, node.lineno))
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        index.functions.setdefault(node.name, node)
    elif isinstance(node, ast.Assign):
        if len(node.targets) == 1:
            _target(node.targets[0], node.value, index.targets)
    elif isinstance(node, ast.AnnAssign):
        _target(node.target, node.value, index.targets)
    elif isinstance(node, ast.With | ast.AsyncWith):
        for item in node.items:
            if item.optional_vars:
                _target(item.optional_vars, item.context_expr, index.targets)


def _target(target: ast.expr, value: ast.expr | None, targets: dict[int, str]) -> None:
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return
    if isinstance(target, ast.Name):
        targets[id(value)] = target.id
    elif isinstance(target, ast.Attribute):
        targets[id(value)] = target.attr


def assignment_counts(body: Sequence[ast.stmt]) -> Counter[str]:
    """How often each name is bound directly in ``body`` (nested functions/classes excluded)."""
    counts: Counter[str] = Counter()
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            counts[node.name] += 1
            continue
        if isinstance(node, _OPAQUE):
            continue
        _count(node, counts)
        stack.extend(child_nodes(node))
    return counts
