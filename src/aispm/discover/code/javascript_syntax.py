"""The syntax side of the JavaScript / TypeScript analyzer (nothing is run).

One walk of a tree-sitter tree collects imports, what names are bound to, object-literal pairs
passed to calls and the calls themselves; :class:`Resolver` then tells what an expression refers
to (``client.chat.completions.create`` → ``openai.chat.completions.create`` when ``client =
new OpenAI()`` and ``OpenAI`` is the default import of ``openai``) and the string a value
holds (literals, template literals without substitutions, ``+`` of strings, constants bound once,
and the default of ``process.env.X ?? "…"`` / ``|| "…"`` with ``env="X"``).

Names are tracked per file, not per scope: a name bound to different things is not resolved.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import tree_sitter

MAX_DEPTH = 16
"""Names followed through other names, and nested string expressions, before giving up."""

MAX_CHAIN = 64
"""Members, calls and wrappers walked down from one expression before giving up."""

WRAPPERS = frozenset(
    {
        "await_expression",
        "parenthesized_expression",
        "non_null_expression",
        "as_expression",
        "satisfies_expression",
    }
)
_NOTHING = frozenset({"null", "undefined"})


@dataclass(frozen=True, slots=True)
class Ref:
    """What an expression refers to: an imported module and the members reached inside it."""

    module: str
    path: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """Dotted qualified name: ``openai.chat.completions.create``."""
        return ".".join((self.module, *self.path))

    @property
    def relative(self) -> bool:
        """A module of the project itself (``./client``), not a package."""
        return self.module.startswith((".", "/"))


@dataclass(frozen=True, slots=True)
class Text:
    """A string a value holds; ``env`` names the variable when it is that variable's default."""

    value: str
    env: str | None = None


@dataclass(slots=True)
class Syntax:
    """What one walk of a source file collects."""

    imports: list[tuple[str, int, tuple[str, ...]]] = field(default_factory=list)
    """(module, line, names imported from it)"""
    imported: dict[str, list[Ref]] = field(default_factory=dict)
    """local name → what an import binds it to"""
    bound: dict[str, list[tuple[tree_sitter.Node, tuple[str, ...]]]] = field(default_factory=dict)
    """local name (``this.x`` for fields) → (value expression, member of it) of each binding"""
    pairs: list[tuple[str, tree_sitter.Node, tree_sitter.Node]] = field(default_factory=list)
    """(key, value, call) of object-literal pairs with a wanted key in (objects nested in) call
    arguments, also of an object bound to a variable that is passed to calls
    (``const request = {modelId}; new ConverseCommand(request)``); a shorthand property
    (``{modelId}``) is its own value"""
    held: dict[str, list[tuple[str, tree_sitter.Node]]] = field(default_factory=dict)
    """variable → (key, value) of wanted pairs in the object literal bound to it"""
    calls: list[tree_sitter.Node] = field(default_factory=list)
    """every call and ``new`` expression"""

    def bind(self, name: str, value: tree_sitter.Node | None, path: tuple[str, ...] = ()) -> None:
        if value is not None:
            self.bound.setdefault(name, []).append((value, path))


def collect(root: tree_sitter.Node, keys: frozenset[str]) -> Syntax:
    """Walk the tree once (depth first, without recursion: hostile nesting cannot blow the stack);
    ``keys``: the object keys whose pairs are wanted."""
    found = Syntax()
    for node in walk(root):
        kind = node.type
        if kind == "import_statement":
            _import(node, found)
        elif kind == "export_statement":
            _add_import(found, node.child_by_field_name("source"))
        elif kind in ("call_expression", "new_expression"):
            found.calls.append(node)
            if kind == "call_expression" and is_import_call(node):
                _add_import(found, first_argument(node))
        elif kind == "variable_declarator":
            _declarator(node, found)
        elif kind == "assignment_expression":
            target = _bound_name(node.child_by_field_name("left"))
            if target is not None:
                found.bind(target, node.child_by_field_name("right"))
        elif kind in ("required_parameter", "optional_parameter", "assignment_pattern"):
            _parameter_default(node, found)
        elif kind in ("public_field_definition", "field_definition"):
            name = node.child_by_field_name("name") or node.child_by_field_name("property")
            if name is not None:
                found.bind(f"this.{text(name)}", node.child_by_field_name("value"))
        elif kind == "pair":
            _pair(node, keys, found)
        elif kind == "shorthand_property_identifier":
            _pair(node, keys, found, shorthand=True)
    _passed_objects(found)
    return found


def walk(root: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """Every node, depth first, without recursion."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def _import(node: tree_sitter.Node, found: Syntax) -> None:
    source = node.child_by_field_name("source")
    clause = next((c for c in node.children if c.type in ("import_clause", "import_require_clause")), None)
    if source is None and clause is not None:  # TypeScript `import x = require("m")`
        source = clause.child_by_field_name("source")
    module = string_value(source)
    if not module:
        return
    names: list[str] = []
    for child in clause.named_children if clause is not None else ():
        if child.type == "identifier":  # default import / import-require
            found.imported.setdefault(text(child), []).append(Ref(module))
        elif child.type == "namespace_import":
            local = next((c for c in child.named_children if c.type == "identifier"), None)
            if local is not None:
                found.imported.setdefault(text(local), []).append(Ref(module))
        elif child.type == "named_imports":
            for spec in child.named_children:
                name = spec.child_by_field_name("name")
                if spec.type != "import_specifier" or name is None:
                    continue
                alias = spec.child_by_field_name("alias") or name
                names.append(text(name))
                found.imported.setdefault(text(alias), []).append(Ref(module, (text(name),)))
    found.imports.append((module, line(source), tuple(names)))


def _add_import(found: Syntax, node: tree_sitter.Node | None) -> None:
    module = string_value(node)
    if module:
        found.imports.append((module, line(node), ()))


def _declarator(node: tree_sitter.Node, found: Syntax) -> None:
    name = node.child_by_field_name("name")
    value = node.child_by_field_name("value")
    if name is None or value is None:
        return
    if name.type == "identifier":
        found.bind(text(name), value)
    elif name.type == "object_pattern":  # const { A, B: C } = require("m")
        for part in name.named_children:
            if part.type == "shorthand_property_identifier_pattern":
                found.bind(text(part), value, (text(part),))
            elif part.type == "pair_pattern":
                key, local = part.child_by_field_name("key"), part.child_by_field_name("value")
                if key is not None and local is not None and local.type == "identifier":
                    found.bind(text(local), value, (text(key),))


def _parameter_default(node: tree_sitter.Node, found: Syntax) -> None:
    """A parameter with a default value (``model: string = "gpt-4o"``, ``model = "gpt-4o"``)
    holds it unless a caller passes another."""
    if node.type == "assignment_pattern":
        if node.parent is None or node.parent.type != "formal_parameters":
            return  # a destructuring default, not a parameter
        name, value = node.child_by_field_name("left"), node.child_by_field_name("right")
    else:
        name, value = node.child_by_field_name("pattern"), node.child_by_field_name("value")
    if name is not None and name.type == "identifier":
        found.bind(text(name), value)


def _bound_name(target: tree_sitter.Node | None) -> str | None:
    """``x`` of ``x = …`` and ``this.x`` of ``this.x = …``."""
    if target is None:
        return None
    if target.type == "identifier":
        return text(target)
    if target.type == "member_expression":
        owner, member = target.child_by_field_name("object"), target.child_by_field_name("property")
        if owner is not None and member is not None and owner.type == "this":
            return f"this.{text(member)}"
    return None


def _pair(node: tree_sitter.Node, keys: frozenset[str], found: Syntax, shorthand: bool = False) -> None:
    key = text(node) if shorthand else _key_name(node.child_by_field_name("key"))
    if key is None or key not in keys:
        return
    value = node if shorthand else node.child_by_field_name("value")
    if value is None:
        return
    call = enclosing_call(node)
    if call is not None:
        found.pairs.append((key, value, call))
        return
    holder = _holding_variable(node)
    if holder is not None:
        found.held.setdefault(holder, []).append((key, value))


def _holding_variable(pair: tree_sitter.Node) -> str | None:
    """``x`` when the pair's object literal (maybe nested) is the value of ``const x = {…}``."""
    node = pair.parent
    while node is not None and node.parent is not None and node.parent.type in ("object", "pair", "array"):
        node = node.parent
    declarator = node.parent if node is not None else None
    if declarator is None or declarator.type != "variable_declarator":
        return None
    name = declarator.child_by_field_name("name")
    return text(name) if name is not None and name.type == "identifier" else None


def _passed_objects(found: Syntax) -> None:
    """The pairs of objects bound to variables, for each call the variable is passed to."""
    if not found.held:
        return
    for call in found.calls:
        for argument in arguments(call):
            if argument.type == "identifier":
                for key, value in found.held.get(text(argument), ()):
                    found.pairs.append((key, value, call))


def enclosing_call(pair: tree_sitter.Node) -> tree_sitter.Node | None:
    """The call or ``new`` whose argument holds the pair's object literal (maybe nested in
    objects and arrays), else ``None``."""
    node = pair.parent
    while node is not None and node.type in ("object", "pair", "array"):
        node = node.parent
    if node is None or node.type != "arguments":
        return None
    return node.parent


def callee(call: tree_sitter.Node) -> tree_sitter.Node | None:
    return call.child_by_field_name("constructor" if call.type == "new_expression" else "function")


def arguments(call: tree_sitter.Node) -> list[tree_sitter.Node]:
    node = call.child_by_field_name("arguments")
    return list(node.named_children) if node is not None else []


def first_argument(call: tree_sitter.Node) -> tree_sitter.Node | None:
    return next(iter(arguments(call)), None)


def object_pairs(call: tree_sitter.Node) -> Iterator[tuple[str, tree_sitter.Node]]:
    """(key, value) of the pairs of object literals passed directly to ``call``."""
    for argument in arguments(call):
        if argument.type == "object":
            for pair in argument.named_children:
                key = _key_name(pair.child_by_field_name("key")) if pair.type == "pair" else None
                value = pair.child_by_field_name("value")
                if key is not None and value is not None:
                    yield key, value


def is_import_call(call: tree_sitter.Node) -> bool:
    """``require("m")`` or ``import("m")``."""
    function = call.child_by_field_name("function")
    return function is not None and (
        function.type == "import" or (function.type == "identifier" and text(function) == "require")
    )


def _key_name(key: tree_sitter.Node | None) -> str | None:
    if key is None:
        return None
    if key.type in ("property_identifier", "identifier"):
        return text(key)
    return string_value(key)


def string_value(node: tree_sitter.Node | None) -> str | None:
    """The value of a string literal or of a template literal without substitutions."""
    if node is None or node.type not in ("string", "template_string"):
        return None
    if any(c.type == "template_substitution" for c in node.children):
        return None
    raw = text(node)[1:-1]
    if "\\" in raw:
        raw = re.sub(r"\\(.)", r"\1", raw)
    return raw


def text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def line(node: tree_sitter.Node | None) -> int:
    return node.start_point.row + 1 if node is not None else 1


class Resolver:
    """What expressions of one file refer to and which strings they hold."""

    def __init__(self, syntax: Syntax) -> None:
        self.syntax = syntax
        self._names: dict[str, Ref | None] = {}

    def ref(self, node: tree_sitter.Node | None, depth: int = 0) -> Ref | None:
        """The module and members ``node`` reaches (calls and ``new`` keep the callee's name,
        as ``client`` of ``client = new OpenAI()`` is named after ``OpenAI``)."""
        members: list[str] = []
        base: Ref | None = None
        for _ in range(MAX_CHAIN):
            if node is None:
                return None
            kind = node.type
            if kind == "identifier":
                base = self._name(text(node), depth)
                break
            if kind == "member_expression":
                owner, member = node.child_by_field_name("object"), node.child_by_field_name("property")
                if owner is not None and member is not None and owner.type == "this":
                    base = self._name(f"this.{text(member)}", depth)
                    break
                members.append(text(member) if member is not None else "")
                node = owner
            elif kind == "call_expression" and is_import_call(node):
                module = string_value(first_argument(node))
                base = Ref(module) if module else None
                break
            elif kind in ("call_expression", "new_expression"):
                node = callee(node)
            elif kind in WRAPPERS:
                node = next(iter(node.named_children), None)
            else:
                return None
        if base is None:
            return None
        return Ref(base.module, base.path + tuple(reversed(members)))

    def _name(self, name: str, depth: int) -> Ref | None:
        """What every binding of ``name`` agrees it refers to, else ``None``."""
        if name in self._names:
            return self._names[name]
        if depth >= MAX_DEPTH:
            return None
        self._names[name] = None  # a name bound to itself, directly or not, refers to nothing
        found: set[Ref | None] = set(self.syntax.imported.get(name, ()))
        for value, path in self.syntax.bound.get(name, ()):
            if value.type in _NOTHING:
                continue
            ref = self.ref(value, depth + 1)
            found.add(Ref(ref.module, ref.path + path) if ref is not None else None)
        result = found.pop() if len(found) == 1 else None
        self._names[name] = result
        return result

    def bound_value(self, name: str) -> tree_sitter.Node | None:
        """The value ``name`` (``this.x`` for a field) is bound to when the file binds it once,
        to the whole value (not a member destructured from it), else ``None``."""
        bindings = self.syntax.bound.get(name, [])
        if len(bindings) != 1 or name in self.syntax.imported or bindings[0][1]:
            return None
        return bindings[0][0]

    def string(self, node: tree_sitter.Node | None, depth: int = 0) -> Text | None:
        """The string ``node`` holds, else ``None``."""
        if node is None or depth >= MAX_DEPTH:
            return None
        kind = node.type
        literal = string_value(node)
        if literal is not None:
            return Text(literal)
        if kind in ("identifier", "shorthand_property_identifier"):  # `{modelId}` reads `modelId`
            return self.string(self.bound_value(text(node)), depth + 1)
        if kind in WRAPPERS:
            return self.string(next(iter(node.named_children), None), depth + 1)
        if kind != "binary_expression":
            return None
        operator = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        op = text(operator) if operator is not None else ""
        if op in ("??", "||"):
            env = _env_name(left)
            fallback = self.string(right, depth + 1) if env is not None else None
            return Text(fallback.value, env) if fallback is not None else None
        if op == "+":
            first, second = self.string(left, depth + 1), self.string(right, depth + 1)
            if first is not None and second is not None:
                return Text(first.value + second.value, first.env or second.env)
        return None


def _env_name(node: tree_sitter.Node | None) -> str | None:
    """``X`` of ``process.env.X`` / ``process.env["X"]``."""
    if node is None or node.type not in ("member_expression", "subscript_expression"):
        return None
    owner = node.child_by_field_name("object")
    if owner is None or owner.type != "member_expression" or text(owner) != "process.env":
        return None
    if node.type == "member_expression":
        member = node.child_by_field_name("property")
        return text(member) if member is not None else None
    return string_value(node.child_by_field_name("index"))
