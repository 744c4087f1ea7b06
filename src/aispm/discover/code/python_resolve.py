"""Name resolution for the Python analyzer: imports and aliases, bindings, literal values.

A :class:`Ref` is what an expression refers to, as a qualified name in which every call adds
``()``: after ``import openai as oa; client = oa.OpenAI()``, ``client.chat.completions.create``
is ``openai.OpenAI().chat.completions.create``; its :attr:`Ref.name` drops the ``()``.  The AI
catalog entry a ref belongs to travels along, so ``br = boto3.client("bedrock-runtime")`` makes
``br.converse`` a Bedrock call.  Nothing is evaluated: literal values are read from the syntax.
"""

from __future__ import annotations

import ast
import builtins
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from aispm.discover.code.catalog import Catalog, CatalogEntry
from aispm.discover.code.python_data import PythonData
from aispm.discover.code.python_index import ImportRecord, assignment_counts, index_module
from aispm.discover.code.python_lookup import catalog_lookup

__all__ = ["ImportRecord", "Literal", "Origin", "Ref", "Resolver", "Scope", "assignment_counts", "dotted"]

MAX_DEPTH = 24
"""How many names / nested expressions literal and binding resolution follows."""

_BUILTINS = frozenset(n for n in dir(builtins) if not n.startswith("_")) | {"__import__"}
_GETENV = frozenset({"os.getenv", "os.environ.get"})
ENVIRON = "os.environ"

LiteralValue = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Ref:
    """The qualified name of an expression's value and the catalog entry it belongs to."""

    qname: str
    entry: CatalogEntry | None = None

    @property
    def name(self) -> str:
        """The qualified name without the ``()`` of calls (``openai.OpenAI.chat``)."""
        return self.qname.replace("()", "")


@dataclass(frozen=True, slots=True)
class Literal:
    """A literal value read from code; ``env`` names the variable when it is an env default."""

    value: LiteralValue
    env: str | None = None


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a tainted value came from: the LLM call's name and line."""

    name: str
    line: int


class Scope:
    """Bindings of one module, class or function body, looked up innermost first."""

    def __init__(
        self,
        parent: Scope | None,
        body: Sequence[ast.stmt] = (),
        function: str | None = None,
        is_class: bool = False,
        counts: Counter[str] | None = None,
    ) -> None:
        self.parent = parent
        self.module: Scope = parent.module if parent else self
        inherited: str | None = parent.function if parent else None
        self.function: str | None = function if function is not None else inherited
        self.is_class = is_class
        self.refs: dict[str, Ref | None] = {}
        self.values: dict[str, ast.expr | None] = {}
        self.origins: dict[str, Scope] = {}
        """The scope a bound value is evaluated in, when it is not this one (a parameter's
        default, ``self.x = value`` kept at module level)."""
        self.params: set[str] = set()
        self.counts: Counter[str] = assignment_counts(body) if counts is None else counts
        """How often each name is bound directly in ``body`` (computed when not given)."""
        self.taint: dict[str, Origin] = {}

    def owner(self, name: str) -> Scope | None:
        """The innermost scope that binds ``name`` (class scopes are seen only from inside)."""
        scope: Scope | None = self
        first = True
        while scope is not None:
            if (first or not scope.is_class) and name in scope.values:
                return scope
            first = False
            scope = scope.parent
        return None

    def bind(self, name: str, value: ast.expr | None, ref: Ref | None, origin: Scope | None = None) -> None:
        self.refs[name] = ref
        self.values[name] = value
        if origin is not None and origin is not self:
            self.origins[name] = origin
        else:
            self.origins.pop(name, None)

    def origin(self, name: str) -> Scope:
        """The scope the value bound to ``name`` is evaluated in."""
        return self.origins.get(name, self)

    def lookup_taint(self, name: str) -> Origin | None:
        return self.taint.get(name)


def dotted(expr: ast.expr) -> str | None:
    """Source text of a plain ``a.b.c`` chain, else ``None``."""
    parts: list[str] = []
    node = expr
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class Resolver:
    """Resolves names and literal values of one module."""

    def __init__(self, tree: ast.AST, catalog: Catalog, data: PythonData) -> None:
        self.catalog = catalog
        self.data = data
        self.index = index_module(tree)
        self.import_records = self.index.imports
        self.imports: dict[str, str] = {}
        for record in self.import_records:
            if record.local is not None:
                self.imports[record.local] = self._canonical(record.qname)
        self._ambiguous_ok = self._qualifying_ambiguous_imports()
        self._blocked = tuple(m for m in data.frameworks.ambiguous_modules if m not in self._ambiguous_ok)
        self._lookup = catalog_lookup(catalog)
        self._entries: dict[str, CatalogEntry | None] = {}
        self.environ: dict[str, Literal] = {}
        """Environment variables the file has set so far in the walk (``os.environ["X"] = "…"``,
        ``os.environ.setdefault("X", "…")``): reading them gives that value, ``env="X"``."""

    # --- catalog ------------------------------------------------------------------------------

    def _qualifying_ambiguous_imports(self) -> set[str]:
        ok: set[str] = set()
        for module, rule in self.data.frameworks.ambiguous_modules.items():
            for record in self.import_records:
                direct = record.module == module and record.qname.rsplit(".", 1)[-1] in rule.names
                sub = any(record.module == s or record.module.startswith(s + ".") for s in rule.submodules)
                if (direct and record.local is not None) or sub:
                    ok.add(module)
        return ok

    def blocked(self, name: str) -> bool:
        return any(name == module or name.startswith(module + ".") for module in self._blocked)

    def entry_for(self, name: str) -> CatalogEntry | None:
        """The catalog entry of a qualified name (``python_calls`` first, then import prefixes)."""
        if name in self._entries:
            return self._entries[name]
        entry = self._lookup.call_prefix(name)
        if entry is None and not self.blocked(name):
            entry = self._lookup.module(name)
        self._entries[name] = entry
        return entry

    def call_entry(self, call: ast.Call, name: str, scope: Scope) -> CatalogEntry | None:
        """An entry revealed by a ``python_calls`` "function:first-argument" (boto3 services)."""
        arg = call.args[0] if call.args and not isinstance(call.args[0], ast.Starred) else None
        for kw in call.keywords:
            if kw.arg == "service_name":
                arg = kw.value
        if arg is None:
            return None
        value = self.literal(arg, scope)
        if value is None or not isinstance(value.value, str):
            return None
        candidates = [name]
        if name.startswith("boto3.") and name.endswith(".client"):
            candidates.append("boto3.client")
        for candidate in candidates:
            entry = self.catalog.python_calls.get(f"{candidate}:{value.value}")
            if entry is not None:
                return entry
        return None

    def _canonical(self, qname: str) -> str:
        return self.data.canonical(qname)

    # --- references ---------------------------------------------------------------------------

    def ref(self, expr: ast.expr, scope: Scope, depth: int = 0) -> Ref | None:
        """What ``expr`` refers to, or ``None`` when it is not an imported/builtin/bound name."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ast.Name):
            owner = scope.owner(expr.id)
            if owner is not None:
                return owner.refs.get(expr.id)
            if expr.id in self.imports:
                qname = self.imports[expr.id]
                return Ref(qname, self.entry_for(qname))
            return Ref(expr.id) if expr.id in _BUILTINS else None
        if isinstance(expr, ast.Attribute):
            if isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls"):
                return scope.module.refs.get(f"self.{expr.attr}")
            base = self.ref(expr.value, scope, depth + 1)
            if base is None:
                return None
            qname = self._canonical(f"{base.qname}.{expr.attr}")
            return Ref(qname, self.entry_for(qname.replace("()", "")) or base.entry)
        if isinstance(expr, ast.Call):
            base = self.ref(expr.func, scope, depth + 1)
            if base is None:
                return None
            return Ref(base.qname + "()", self.call_entry(expr, base.name, scope) or base.entry)
        if isinstance(expr, ast.Await):
            return self.ref(expr.value, scope, depth + 1)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
            # LangChain expression language: prompt | llm | parser
            sides = [self.ref(expr.left, scope, depth + 1), self.ref(expr.right, scope, depth + 1)]
            return next((s for s in sides if s is not None and s.entry is not None), None)
        return None

    def call_name(self, call: ast.Call, scope: Scope) -> tuple[str | None, Ref | None]:
        """(qualified name or, when unresolved, the dotted source text; the ref) of a callee."""
        ref = self.ref(call.func, scope)
        if ref is not None:
            return ref.name, ref
        return dotted(call.func), None

    def value(self, expr: ast.expr, scope: Scope, depth: int = 0) -> tuple[ast.expr, Scope]:
        """The expression a name was last bound to (followed through names), else ``expr``."""
        while depth <= MAX_DEPTH:
            if isinstance(expr, ast.Name):
                owner = scope.owner(expr.id)
                bound = owner.values.get(expr.id) if owner else None
                if owner is None or bound is None:
                    return expr, scope
                name = expr.id
                expr, scope = bound, owner.origin(name)
            elif (
                isinstance(expr, ast.Attribute)
                and isinstance(expr.value, ast.Name)
                and expr.value.id in ("self", "cls")
                and scope.module.values.get(f"self.{expr.attr}") is not None
            ):
                key = f"self.{expr.attr}"
                bound = scope.module.values[key]
                assert bound is not None
                expr, scope = bound, scope.module.origin(key)
            elif isinstance(expr, ast.Await):
                expr = expr.value
            else:
                return expr, scope
            depth += 1
        return expr, scope

    def elements(
        self, expr: ast.expr, scope: Scope, *, sets: bool = False, dict_values: bool = False
    ) -> Iterator[tuple[ast.expr, Scope]]:
        """The values in ``expr``, each followed through names (:meth:`value`): the elements of
        lists and tuples (and of sets and a dict's values when asked), also through ``+`` and
        ``*rest``, in source order and at most :data:`MAX_DEPTH` levels down; any other
        expression is yielded with the scope it belongs to."""
        sequences = (ast.List, ast.Tuple, ast.Set) if sets else (ast.List, ast.Tuple)
        stack: list[tuple[ast.expr, Scope, int]] = [(expr, scope, 0)]
        while stack:
            current, current_scope, depth = stack.pop()
            if depth > MAX_DEPTH:
                continue
            node, owner = self.value(current, current_scope)
            if isinstance(node, sequences):
                for element in reversed(node.elts):
                    inner = element.value if isinstance(element, ast.Starred) else element
                    stack.append((inner, owner, depth + 1))
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                stack.extend([(node.right, owner, depth + 1), (node.left, owner, depth + 1)])
            elif dict_values and isinstance(node, ast.Dict):
                stack.extend((v, owner, depth + 1) for v in reversed(node.values))
            else:
                yield node, owner

    def _constant_binding(self, name: str, scope: Scope) -> tuple[ast.expr, Scope] | None:
        """The value ``name`` holds where it is read: the one binding of a name bound once
        (a parameter counts its default), else, for a name of the scope being read, the binding
        the walk reached last (``m = "org/x"; m = load(m)`` reads ``"org/x"`` in the call)."""
        owner = scope.owner(name)
        if owner is None:
            return None
        bindings = owner.counts[name] + (name in owner.params)
        if bindings != 1 and (bindings == 0 or owner is not scope):
            return None
        bound = owner.values.get(name)
        return (bound, owner.origin(name)) if bound is not None else None

    def _constant_attribute(self, expr: ast.Attribute, scope: Scope) -> tuple[ast.expr, Scope] | None:
        """The value of ``self.x`` / ``cls.x`` when the file binds that attribute once (in a
        method or as a class attribute)."""
        if not isinstance(expr.value, ast.Name) or expr.value.id not in ("self", "cls"):
            return None
        if self.index.attribute_counts[expr.attr] != 1:
            return None
        key = f"self.{expr.attr}"
        bound = scope.module.values.get(key)
        return (bound, scope.module.origin(key)) if bound is not None else None

    # --- literal values -----------------------------------------------------------------------

    def literal(self, expr: ast.expr, scope: Scope, depth: int = 0) -> Literal | None:
        """The literal value of ``expr``: constants, names assigned once to one, string
        concatenation and f-strings of literals, and the default of ``os.getenv("X", default)``
        (with ``env="X"``)."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ast.Constant):
            value = expr.value
            if value is None or isinstance(value, str | int | float | bool):
                return Literal(value)
            return None
        if isinstance(expr, ast.Name):
            bound = self._constant_binding(expr.id, scope)
            return self.literal(bound[0], bound[1], depth + 1) if bound else None
        if isinstance(expr, ast.Attribute):
            attribute = self._constant_attribute(expr, scope)
            return self.literal(attribute[0], attribute[1], depth + 1) if attribute else None
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
            inner = self.literal(expr.operand, scope, depth + 1)
            if inner and isinstance(inner.value, int | float) and not isinstance(inner.value, bool):
                return Literal(-inner.value, inner.env)
            return None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left = self.literal(expr.left, scope, depth + 1)
            right = self.literal(expr.right, scope, depth + 1)
            if left and right and isinstance(left.value, str) and isinstance(right.value, str):
                return Literal(left.value + right.value, left.env or right.env)
            return None
        if isinstance(expr, ast.JoinedStr):
            return self._fstring_literal(expr, scope, depth)
        if isinstance(expr, ast.Call):
            return self._getenv(expr, scope, depth)
        if isinstance(expr, ast.Subscript):
            name = self.environ_key(expr, scope)
            return self.environ.get(name) if name is not None else None
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            return self._or_literal(expr, scope, depth)
        return None

    def _or_literal(self, expr: ast.BoolOp, scope: Scope, depth: int) -> Literal | None:
        """``a or b or "default"``: the first operand with a truthy literal value, else the
        last literal (what the code falls back to when the others are empty or unknown, such as
        ``model or os.getenv("MODEL", "gpt-4o")``); ``env`` names an ``os.getenv("X") or …``
        variable."""
        env: str | None = None
        fallback: Literal | None = None
        for operand in expr.values:
            if isinstance(operand, ast.Call) and env is None:
                env = self._getenv_name(operand, scope)
            found = self.literal(operand, scope, depth + 1)
            if found is None:
                continue
            if found.value:
                return Literal(found.value, found.env or env)
            fallback = found
        if fallback is None or fallback.value is None:
            return None
        return Literal(fallback.value, fallback.env or env)

    def _fstring_literal(self, expr: ast.JoinedStr, scope: Scope, depth: int) -> Literal | None:
        parts: list[str] = []
        for part in expr.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                parts.append(part.value)
            elif isinstance(part, ast.FormattedValue) and part.format_spec is None:
                inner = self.literal(part.value, scope, depth + 1)
                if inner is None or not isinstance(inner.value, str | int):
                    return None
                parts.append(str(inner.value))
            else:
                return None
        return Literal("".join(parts))

    def _getenv_name(self, call: ast.Call, scope: Scope) -> str | None:
        ref = self.ref(call.func, scope)
        if ref is None or ref.name not in _GETENV or not call.args:
            return None
        name = self.literal(call.args[0], scope)
        return name.value if name and isinstance(name.value, str) else None

    def environ_key(self, expr: ast.Subscript, scope: Scope) -> str | None:
        """``X`` of ``os.environ["X"]`` (the key a literal string)."""
        ref = self.ref(expr.value, scope)
        if ref is None or ref.name != ENVIRON:
            return None
        key = self.literal(expr.slice, scope)
        return key.value if key is not None and isinstance(key.value, str) and key.value else None

    def set_environ(
        self, name: str, value: ast.expr, scope: Scope, *, default: bool = False
    ) -> Literal | None:
        """Record the file setting variable ``name`` to ``value`` when that is a literal string
        (``default``: only when not set yet, as ``setdefault`` does); returns what was set."""
        if default and name in self.environ:
            return None
        found = self.string(value, scope)
        if found is None:
            return None
        self.environ[name] = Literal(found.value, name)
        return self.environ[name]

    def _getenv(self, call: ast.Call, scope: Scope, depth: int) -> Literal | None:
        env = self._getenv_name(call, scope)
        if env is None:
            return None
        if env in self.environ:  # set earlier in the file: that value, not the default
            return self.environ[env]
        default = call.args[1] if len(call.args) > 1 else None
        for kw in call.keywords:
            if kw.arg in ("default", "value"):
                default = kw.value
        fallback = self.literal(default, scope, depth + 1) if default is not None else None
        return Literal(fallback.value, env) if fallback is not None else None

    def keywords(self, call: ast.Call, scope: Scope) -> list[tuple[str, ast.expr, Scope]]:
        """``(name, value, scope of the value)`` of the keyword arguments of ``call``, with
        ``**mapping`` unpacked when it is (a name bound to) a literal dict or ``dict(...)``:
        ``kwargs = {"modelId": "…"}; client.invoke_model(**kwargs)``."""
        found: list[tuple[str, ast.expr, Scope]] = []
        for kw in call.keywords:
            if kw.arg is not None:
                found.append((kw.arg, kw.value, scope))
                continue
            node, owner = self.value(kw.value, scope)
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        found.append((key.value, value, owner))
            elif isinstance(node, ast.Call) and node.keywords:
                ref = self.ref(node.func, owner)
                if ref is not None and ref.name == "dict":
                    found.extend((k.arg, k.value, owner) for k in node.keywords if k.arg is not None)
        return found

    def string(self, expr: ast.expr | None, scope: Scope) -> Literal | None:
        """:meth:`literal` when it is a non-empty string."""
        if expr is None:
            return None
        found = self.literal(expr, scope)
        return found if found is not None and isinstance(found.value, str) and found.value else None

    def text(self, expr: ast.expr, scope: Scope, depth: int = 0) -> str | None:
        """The text of a prompt-like string: literals, constants, f-strings (placeholders shown
        as ``{expr}``), concatenation, ``"...".format(...)``, ``%`` formatting, dedent."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, ast.Constant):
            return expr.value if isinstance(expr.value, str) else None
        if isinstance(expr, ast.Name):
            bound = self._constant_binding(expr.id, scope)
            return self.text(bound[0], bound[1], depth + 1) if bound else None
        if isinstance(expr, ast.JoinedStr):
            pieces: list[str] = []
            for part in expr.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    pieces.append(part.value)
                elif isinstance(part, ast.FormattedValue):
                    pieces.append("{" + ast.unparse(part.value) + "}")
            return "".join(pieces)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left = self.text(expr.left, scope, depth + 1)
            right = self.text(expr.right, scope, depth + 1)
            if left is None and right is None:
                return None
            left = left if left is not None else "{" + ast.unparse(expr.left) + "}"
            right = right if right is not None else "{" + ast.unparse(expr.right) + "}"
            return left + right
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            return self.text(expr.left, scope, depth + 1)
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute) and func.attr in ("format", "strip", "format_map"):
                return self.text(func.value, scope, depth + 1)
            ref = self.ref(func, scope)
            if ref is not None and ref.name in self.data.prompts.wrappers and expr.args:
                return self.text(expr.args[0], scope, depth + 1)
        return None


def iter_calls(node: ast.AST) -> Iterator[ast.Call]:
    """Every call inside ``node`` (nested function and class bodies included)."""
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            yield child
