"""Evaluate the values python-hcl2 produces: literals, templates and HCL expressions.

python-hcl2 keeps string literals in their quotes (``'"text"'``) and gives every other
expression as ``'${...}'`` text.  This module parses that text as HCL and evaluates it to JSON
values the way Terraform would with what is known before apply: literals, string templates and
heredocs, references (``var.x``, ``local.y``, ``aws_iam_role.r.name``,
``data.aws_iam_policy_document.d.json``, ``module.m.out``) looked up through a resolver,
attribute / index / splat traversal, arithmetic, comparison and logical operators, conditionals,
``for`` expressions (lists, maps, ``if`` filters, ``...`` grouping) and Terraform's pure built-in
functions (``lookup``, ``merge``, ``concat``, ``coalesce``, ``try``, ``format``, ``jsonencode``
...).  Iteration variables (``each``, ``count``, a ``dynamic`` iterator) are the resolver's
business (see ``terraform.py``).

Nothing is executed.  ``file``, ``fileexists`` and ``templatefile`` read only files inside the
scanned tree (as text, never run); functions of time or randomness (``timestamp``, ``uuid``) are
not evaluated.  What cannot be known
(a computed attribute such as ``.arn``, a variable without a value, an unsupported function) stays
as its ``${...}`` source text, and every resource reference seen is recorded so relationships can
be drawn even when the value itself is unknown.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from aispm.core.model import JSON
from aispm.discover.printf import printf

MISSING: Any = object()
"""Returned by a resolver for a reference it cannot evaluate."""

Resolver = Callable[[str], JSON]
"""Looks up a reference path (``var.x``, ``aws_iam_role.r.arn``); returns :data:`MISSING` if unknown."""

FileReader = Callable[[str], "str | None"]
"""Reads a file by its path relative to the module's directory; ``None`` when it is outside the
scanned tree or cannot be read."""

_RESOURCE_REF = re.compile(
    r"(?<![\w.])((?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][\w-]*(?:\[(?:\d+|\"[^\"]*\")\])?)"
)
_NOT_RESOURCE = ("var.", "local.", "module.", "each.", "count.", "path.", "self.", "terraform.")
_MAX_ITEMS = 10_000
"""Largest collection a function or ``for`` expression may build."""


def resource_refs(text: str) -> list[str]:
    """``type.name`` (or ``data.type.name``) of each resource named in an expression's text.

    A literal instance key is kept (``aws_iam_role.r[0]``, ``aws_s3_bucket.b["logs"]``).
    """
    out = []
    for match in _RESOURCE_REF.finditer(text):
        ref = match.group(1)
        if not ref.startswith(_NOT_RESOURCE) and ref not in out:
            out.append(ref)
    return out


class _Unknown:
    """A value known only after apply (or not evaluable here), with its source text."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _EvalError(Exception):
    """Terraform would reject the expression (a missing attribute, a type error ...)."""


class _ParseError(Exception):
    pass


def unknown_text(value: JSON) -> bool:
    """A value still holding unevaluated ``${...}`` text (at any depth)."""
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, dict | list):
        return "${" in json.dumps(value)
    return False


def _unknown(value: Any) -> bool:
    return isinstance(value, _Unknown) or unknown_text(value) or _has_unknown(value)


def _has_unknown(value: Any) -> bool:
    if isinstance(value, _Unknown):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def _export(value: Any) -> JSON:
    """Unknown leaves as their ``${...}`` text."""
    if isinstance(value, _Unknown):
        return "${" + value.text + "}"
    if isinstance(value, dict):
        return {k: _export(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_export(v) for v in value]
    return value


# ---- syntax ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Node:
    kind: str
    src: str
    a: Any = None
    b: Any = None
    c: Any = None
    d: Any = None


_PUNCT = ("...", "=>", "==", "!=", "<=", ">=", "&&", "||", "[*]", ".*")


def _tokens(text: str) -> list[tuple[str, str, int, int]]:
    """(kind, text, start, end) of each token: num, str, heredoc, ident, op."""
    out: list[tuple[str, str, int, int]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch == '"':
            end = _string_end(text, i)
            out.append(("str", text[i : end + 1], i, end + 1))
            i = end + 1
        elif text.startswith("<<", i) and re.match(r"<<-?[A-Za-z_]\w*[ \t]*\n", text[i:]):
            match = re.match(r"<<(-?)([A-Za-z_]\w*)[ \t]*\n", text[i:])
            assert match is not None
            body_start = i + match.end()
            closing = re.search(rf"^[ \t]*{re.escape(match.group(2))}[ \t]*$", text[body_start:], re.M)
            if closing is None:
                raise _ParseError("unterminated heredoc")
            body = text[body_start : body_start + closing.start()]
            out.append(("heredoc", match.group(1) + body, i, body_start + closing.end()))
            i = body_start + closing.end()
        elif ch.isdigit():
            match = re.match(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text[i:])
            assert match is not None
            out.append(("num", match.group(0), i, i + match.end()))
            i += match.end()
        elif ch.isalpha() or ch == "_":
            match = re.match(r"[A-Za-z_][\w-]*", text[i:])
            assert match is not None
            out.append(("ident", match.group(0), i, i + match.end()))
            i += match.end()
        else:
            op = next((p for p in _PUNCT if text.startswith(p, i)), ch)
            out.append(("op", op, i, i + len(op)))
            i += len(op)
    return out


def _string_end(text: str, start: int) -> int:
    """Index of the quote closing the string literal that opens at ``start``."""
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            return i
        if text.startswith("$${", i) or text.startswith("%%{", i):
            i += 3  # literal ${ / %{
            continue
        if text.startswith("${", i) or text.startswith("%{", i):
            i = _brace_end(text, i + 1) + 1
            continue
        i += 1
    raise _ParseError("unterminated string")


def _brace_end(text: str, open_at: int) -> int:
    depth = 0
    i = open_at
    while i < len(text):
        ch = text[i]
        if ch == '"':
            i = _string_end(text, i) + 1
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise _ParseError("unbalanced braces")


class _Parser:
    """Recursive descent over HCL's expression grammar (operators with HCL's precedence)."""

    _BINARY = (("||",), ("&&",), ("==", "!="), ("<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self, offset: int = 0) -> tuple[str, str, int, int] | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def at(self, value: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok is not None and tok[1] == value and tok[0] in ("op", "ident")

    def take(self, value: str | None = None) -> tuple[str, str, int, int]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise _ParseError(f"expected {value or 'a token'}")
        self.i += 1
        return tok

    def src(self, start: int) -> str:
        end = self.toks[self.i - 1][3] if self.i > 0 else start
        return self.text[start:end].strip()

    def start(self) -> int:
        tok = self.peek()
        return tok[2] if tok else len(self.text)

    def parse(self) -> _Node:
        node = self.expression()
        if self.peek() is not None:
            raise _ParseError("trailing tokens")
        return node

    def expression(self) -> _Node:
        start = self.start()
        cond = self.binary(0)
        if self.at("?"):
            self.take("?")
            then = self.expression()
            self.take(":")
            other = self.expression()
            return _Node("cond", self.src(start), cond, then, other)
        return cond

    def binary(self, level: int) -> _Node:
        if level == len(self._BINARY):
            return self.unary()
        start = self.start()
        left = self.binary(level + 1)
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in self._BINARY[level]:
            self.take()
            right = self.binary(level + 1)
            left = _Node("binary", self.src(start), tok[1], left, right)
        return left

    def unary(self) -> _Node:
        start = self.start()
        if self.at("!") or self.at("-"):
            op = self.take()[1]
            operand = self.unary()
            return _Node("unary", self.src(start), op, operand)
        return self.postfix()

    def postfix(self) -> _Node:
        start = self.start()
        node = self.primary()
        while True:
            if self.at("[*]") or self.at(".*"):
                self.take()
                steps = self.steps()
                node = _Node("splat", self.src(start), node, steps)
            elif self.at(".") or self.at("["):
                node = self.step(node, start)
            else:
                return node

    def steps(self) -> list[tuple[str, Any]]:
        out: list[tuple[str, Any]] = []
        while self.at(".") or self.at("["):
            if self.at("."):
                self.take(".")
                tok = self.take()
                out.append(
                    ("index", _Node("lit", tok[1], int(tok[1]))) if tok[0] == "num" else ("attr", tok[1])
                )
            else:
                self.take("[")
                key = self.expression()
                self.take("]")
                out.append(("index", key))
        return out

    def step(self, node: _Node, start: int) -> _Node:
        if self.at("."):
            self.take(".")
            tok = self.take()
            if tok[0] == "num":
                return _Node("index", self.src(start), node, _Node("lit", tok[1], int(float(tok[1]))))
            return _Node("get", self.src(start), node, tok[1])
        self.take("[")
        key = self.expression()
        self.take("]")
        return _Node("index", self.src(start), node, key)

    def primary(self) -> _Node:
        start = self.start()
        tok = self.take()
        kind, value = tok[0], tok[1]
        if kind == "num":
            number: int | float = float(value) if re.search(r"[.eE]", value) else int(value)
            return _Node("lit", value, number)
        if kind == "str":
            return _template_node(value[1:-1], value)
        if kind == "heredoc":
            return _template_node(_heredoc_body(value), self.text[tok[2] : tok[3]], escapes=False)
        if kind == "ident":
            if value in ("true", "false"):
                return _Node("lit", value, value == "true")
            if value == "null":
                return _Node("lit", value, None)
            if self.at("("):
                return self.call(value, start)
            return _Node("var", value, value)
        if value == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if value == "[":
            return self.tuple(start)
        if value == "{":
            return self.object(start)
        raise _ParseError(f"unexpected {value!r}")

    def call(self, name: str, start: int) -> _Node:
        self.take("(")
        args: list[_Node] = []
        expand = False
        while not self.at(")"):
            args.append(self.expression())
            if self.at("..."):
                self.take("...")
                expand = True
            if not self.at(")"):
                self.take(",")
        self.take(")")
        return _Node("call", self.src(start), name, tuple(args), expand)

    def tuple(self, start: int) -> _Node:
        if self.at("for"):
            return self.for_expr(start, "]")
        items: list[_Node] = []
        while not self.at("]"):
            items.append(self.expression())
            if not self.at("]"):
                self.take(",")
        self.take("]")
        return _Node("tuple", self.src(start), tuple(items))

    def object(self, start: int) -> _Node:
        if self.at("for"):
            return self.for_expr(start, "}")
        items: list[tuple[_Node, _Node]] = []
        while not self.at("}"):
            key_tok = self.peek()
            if key_tok is not None and key_tok[0] == "ident" and (self.at("=", 1) or self.at(":", 1)):
                self.take()
                key: _Node = _Node("lit", key_tok[1], key_tok[1])
            else:
                key = self.expression()
            if self.at("="):
                self.take("=")
            else:
                self.take(":")
            items.append((key, self.expression()))
            if self.at(","):
                self.take(",")
        self.take("}")
        return _Node("object", self.src(start), tuple(items))

    def for_expr(self, start: int, close: str) -> _Node:
        self.take("for")
        first = self.take()[1]
        second = None
        if self.at(","):
            self.take(",")
            second = self.take()[1]
        self.take("in")
        collection = self.expression()
        self.take(":")
        key = self.expression()
        value = None
        group = False
        if close == "}":
            self.take("=>")
            value = self.expression()
            if self.at("..."):
                self.take("...")
                group = True
        cond = None
        if self.at("if"):
            self.take("if")
            cond = self.expression()
        self.take(close)
        names = (first, second) if second else (None, first)
        return _Node(
            "for_map" if close == "}" else "for_list",
            self.src(start),
            (names, collection),
            key,
            value,
            (cond, group),
        )


def _heredoc_body(token: str) -> str:
    strip, body = token[:1] == "-", token[1:] if token[:1] == "-" else token
    body = body.removesuffix("\n")
    if strip:
        lines = body.split("\n")
        indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
        cut = min(indents) if indents else 0
        body = "\n".join(line[cut:] for line in lines)
    return body + "\n"


def _template_node(body: str, src: str, escapes: bool = True) -> _Node:
    """A string template: literal parts and ``${...}`` interpolations (parsed).  Backslash escapes
    are read in quoted strings, not in heredocs (as HCL does)."""
    parts: list[Any] = []
    buf: list[str] = []
    i = 0
    while i < len(body):
        if body.startswith("$${", i) or body.startswith("%%{", i):
            buf.append(body[i + 1 : i + 3])
            i += 3
        elif body.startswith("${", i):
            end = _brace_end(body, i + 1)
            parts.append("".join(buf))
            buf = []
            inner = body[i + 2 : end].strip().removeprefix("~").removesuffix("~").strip()
            parts.append(_parse(inner))
            i = end + 1
        elif body.startswith("%{", i):
            return _Node("opaque", src)  # template directives (if / for) are not evaluated
        elif escapes and body[i] == "\\" and i + 1 < len(body):
            match = re.match(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", body[i:], re.S)
            assert match is not None
            code = match.group(1)
            if code[0] in "uU":
                buf.append(chr(int(code[1:], 16)))
            else:
                buf.append({"n": "\n", "r": "\r", "t": "\t"}.get(code, code))
            i += match.end()
        else:
            buf.append(body[i])
            i += 1
    parts.append("".join(buf))
    return _Node("template", src, tuple(parts))


@lru_cache(maxsize=8192)
def _parse(text: str) -> _Node:
    return _Parser(text).parse()


@lru_cache(maxsize=8192)
def _parse_template(body: str) -> _Node:
    return _template_node(body, '"' + body + '"')


# ---- evaluation --------------------------------------------------------------------------------


class Evaluator:
    """Evaluates python-hcl2 values against a resolver, collecting the resources referred to."""

    def __init__(self, resolve: Resolver, depth: int = 0, files: FileReader | None = None) -> None:
        self._resolve = resolve
        self.refs: list[str] = []
        self._depth = depth
        self._files = files

    def value(self, raw: Any) -> JSON:
        """A JSON value for one python-hcl2 value (attributes, blocks, lists, strings)."""
        if isinstance(raw, dict):
            return {_unquote_key(k): self.value(v) for k, v in raw.items() if not str(k).startswith("__")}
        if isinstance(raw, list):
            return [self.value(v) for v in raw]
        if isinstance(raw, str):
            return self._string(raw)
        return raw

    def _string(self, raw: str) -> JSON:
        if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"':
            body = raw[1:-1]
            if body.startswith("<<") and "\n" in body:
                first, _, rest = body.partition("\n")
                marker = first.lstrip("<-").strip()
                cut = rest.rfind(marker) if marker else -1
                content = rest[:cut] if cut >= 0 else rest
                if not content[content.rfind("\n") + 1 :].strip():
                    content = content[: content.rfind("\n") + 1]
                text = (first[2:3] if first[2:3] == "-" else "") + content
                return self._top(lambda: _template_node(_heredoc_body(text), raw, escapes=False), text)
            return self._top(lambda: _parse_template(body), body)
        if raw.startswith("${") and raw.endswith("}"):
            return self.expression(raw[2:-1].strip())
        return raw

    def expression(self, expr: str) -> JSON:
        """The value of one HCL expression, or its ``${...}`` text when it cannot be evaluated."""
        return self._top(lambda: _parse(expr.strip()), "${" + expr + "}")

    def _top(self, parse: Callable[[], _Node], fallback: str) -> JSON:
        """Evaluate what ``parse`` gives; ``fallback`` when it cannot be.  A result known only after
        apply is the ``${...}`` text of the part that decides it (the branch a condition chose,
        or the whole expression)."""
        for ref in resource_refs(fallback):
            if ref not in self.refs:
                self.refs.append(ref)
        if self._depth > 20:
            return fallback
        try:
            node = parse()
        except (_ParseError, RecursionError, ValueError):
            return fallback
        try:
            value = self._eval(node, {})
        except (_EvalError, RecursionError, TypeError, ValueError, KeyError, IndexError):
            return fallback
        return _export(value)

    # ---- nodes ----------------------------------------------------------------------------------

    def _eval(self, node: _Node, scope: dict[str, Any]) -> Any:
        kind = node.kind
        if kind == "lit":
            return node.a
        if kind == "template":
            return self._template(node, scope)
        if kind == "opaque":
            return _Unknown(node.src)
        if kind in ("var", "get", "index"):
            return self._traversal(node, scope)
        if kind == "splat":
            base = self._eval(node.a, scope)
            if isinstance(base, _Unknown) or (isinstance(base, str) and "${" in base):
                return _Unknown(node.src)
            items = [] if base is None else base if isinstance(base, list) else [base]
            return [self._steps(item, node.b, scope, node.src) for item in items]
        if kind == "tuple":
            return [self._eval(item, scope) for item in node.a]
        if kind == "object":
            out: dict[str, Any] = {}
            for key_node, value_node in node.a:
                key = self._eval(key_node, scope)
                if isinstance(key, _Unknown) or unknown_text(key):
                    return _Unknown(node.src)
                out[_key_text(key)] = self._eval(value_node, scope)
            return out
        if kind == "cond":
            test = _as_bool(self._eval(node.a, scope))
            if isinstance(test, _Unknown):
                return _Unknown(node.src)
            return self._eval(node.b if test else node.c, scope)
        if kind == "unary":
            value = self._eval(node.b, scope)
            if _unknown(value):
                return _Unknown(node.src)
            if node.a == "!":
                flag = _as_bool(value)
                return _Unknown(node.src) if isinstance(flag, _Unknown) else not flag
            return -_as_number(value)
        if kind == "binary":
            return self._binary(node, scope)
        if kind == "call":
            return self._call(node, scope)
        if kind in ("for_list", "for_map"):
            return self._for(node, scope)
        raise _EvalError(f"unknown node {kind}")

    def _template(self, node: _Node, scope: dict[str, Any]) -> Any:
        parts = node.a
        if len(parts) == 3 and parts[0] == "" and parts[2] == "":
            return self._eval(parts[1], scope)  # one interpolation keeps the value's type
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = self._eval(part, scope)
            out.append("${" + value.text + "}" if isinstance(value, _Unknown) else _as_text(value))
        return "".join(out)

    def _binary(self, node: _Node, scope: dict[str, Any]) -> Any:
        op = node.a
        left, right = self._eval(node.b, scope), self._eval(node.c, scope)
        if op in ("&&", "||"):
            lb, rb = _as_bool(left), _as_bool(right)
            decisive = op == "||"
            if lb is decisive or rb is decisive:
                return decisive
            if isinstance(lb, _Unknown) or isinstance(rb, _Unknown):
                return _Unknown(node.src)
            return not decisive
        if _unknown(left) or _unknown(right):
            return _Unknown(node.src)
        if op in ("==", "!="):
            same = _equal(left, right)
            return same if op == "==" else not same
        a, b = _as_number(left), _as_number(right)
        if op == "<":
            return a < b
        if op == ">":
            return a > b
        if op == "<=":
            return a <= b
        if op == ">=":
            return a >= b
        if op == "+":
            return _number(a + b)
        if op == "-":
            return _number(a - b)
        if op == "*":
            return _number(a * b)
        if b == 0:
            raise _EvalError("division by zero")
        return _number(a / b) if op == "/" else _number(math.fmod(a, b))

    def _for(self, node: _Node, scope: dict[str, Any]) -> Any:
        (key_name, value_name), collection_node = node.a
        cond, group = node.d
        collection = self._eval(collection_node, scope)
        if isinstance(collection, _Unknown) or (isinstance(collection, str) and "${" in collection):
            return _Unknown(node.src)
        if isinstance(collection, dict):
            pairs: list[tuple[Any, Any]] = sorted(collection.items())
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        elif collection is None:
            raise _EvalError("for over null")
        else:
            raise _EvalError("for over a non-collection")
        list_out: list[Any] = []
        map_out: dict[str, Any] = {}
        for key, value in pairs[:_MAX_ITEMS]:
            inner = dict(scope)
            inner[value_name] = value
            if key_name:
                inner[key_name] = key
            if cond is not None:
                keep = _as_bool(self._eval(cond, inner))
                if isinstance(keep, _Unknown):
                    return _Unknown(node.src)
                if not keep:
                    continue
            if node.kind == "for_list":
                list_out.append(self._eval(node.b, inner))
                continue
            map_key = self._eval(node.b, inner)
            if _unknown(map_key):
                return _Unknown(node.src)
            text = _key_text(map_key)
            item = self._eval(node.c, inner)
            if group:
                map_out.setdefault(text, []).append(item)
            elif text in map_out:
                raise _EvalError(f"duplicate key {text!r} in for expression")
            else:
                map_out[text] = item
        return list_out if node.kind == "for_list" else map_out

    # ---- references -----------------------------------------------------------------------------

    def _traversal(self, node: _Node, scope: dict[str, Any]) -> Any:
        steps: list[tuple[str, Any]] = []
        root = node
        while root.kind in ("get", "index"):
            steps.append(("attr", root.b) if root.kind == "get" else ("index", root.b))
            root = root.a
        steps.reverse()
        if root.kind != "var":
            return self._steps(self._eval(root, scope), steps, scope, node.src)
        name = root.a
        if name in scope:
            return self._steps(scope[name], steps, scope, node.src)
        width = {"data": 3, "module": 2}.get(name, 1 if _is_builtin_root(name) else 2)
        path, consumed, attrs = name, 0, 0
        for kind, step in steps:
            if kind == "attr":
                if attrs >= width:
                    break
                path += "." + step
                attrs += 1
            else:
                key = self._eval(step, scope)
                if _unknown(key):
                    return _Unknown(node.src)
                path += (
                    f"[{key}]"
                    if isinstance(key, int) and not isinstance(key, bool)
                    else f"[{json.dumps(key)}]"
                )
            consumed += 1
        found = self._resolve(path)
        if found is MISSING:
            return _Unknown(node.src)
        return self._steps(found, steps[consumed:], scope, node.src)

    def _steps(self, value: Any, steps: list[tuple[str, Any]], scope: dict[str, Any], src: str) -> Any:
        for kind, step in steps:
            if isinstance(value, _Unknown) or (isinstance(value, str) and "${" in value):
                return _Unknown(src)
            if kind == "attr":
                key: Any = step
            else:
                key = self._eval(step, scope)
                if _unknown(key):
                    return _Unknown(src)
            value = _get(value, key)
        return value

    # ---- functions ------------------------------------------------------------------------------

    def _call(self, node: _Node, scope: dict[str, Any]) -> Any:
        name = node.a
        if name in ("try", "can"):
            for arg in node.b:
                try:
                    value = self._eval(arg, scope)
                except _EvalError:
                    if name == "can":
                        return False
                    continue
                if name == "can":
                    return _Unknown(node.src) if _has_unknown(value) else True
                return value
            if name == "try":
                raise _EvalError("no argument of try could be evaluated")
        if name in ("file", "templatefile", "fileexists") and self._files is not None:
            return self._file_call(node, scope)
        fn = FUNCTIONS.get(name)
        if fn is None:
            return _Unknown(node.src)
        args = [self._eval(arg, scope) for arg in node.b]
        if node.c and args:
            last = args.pop()
            if _unknown(last) and not isinstance(last, list):
                return _Unknown(node.src)
            args.extend(last if isinstance(last, list) else [])
        if name in _DEEP_OK:
            if any(isinstance(a, _Unknown) or (isinstance(a, str) and "${" in a) for a in args):
                return _Unknown(node.src)
        elif any(_unknown(a) for a in args):
            return _Unknown(node.src)
        try:
            return fn(*args)
        except _EvalError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, re.error) as exc:
            raise _EvalError(f"{name}: {exc}") from None

    def _file_call(self, node: _Node, scope: dict[str, Any]) -> Any:
        """``file`` / ``fileexists`` / ``templatefile`` on a file of the scanned tree (read, never run);
        a template's ``%{ }`` directives are not evaluated."""
        assert self._files is not None
        args = [self._eval(arg, scope) for arg in node.b]
        if not args or _unknown(args[0]) or not isinstance(args[0], str):
            return _Unknown(node.src)
        text = self._files(args[0])
        if node.a == "fileexists":
            return text is not None
        if text is None:
            return _Unknown(node.src)
        if node.a == "file":
            return text
        variables = args[1] if len(args) > 1 else {}
        if not isinstance(variables, dict) or self._depth > 20:
            return _Unknown(node.src)
        try:
            template = _template_node(text, node.src)
        except _ParseError:
            return _Unknown(node.src)
        return self._eval(template, dict(variables))


def _is_builtin_root(name: str) -> bool:
    return name in ("var", "local", "each", "count", "path", "terraform", "self") or "_" not in name


def _get(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        text = _key_text(key)
        if text not in value:
            raise _EvalError(f"no attribute {text!r}")
        return value[text]
    if isinstance(value, list):
        if isinstance(key, str) and not key.lstrip("-").isdigit():
            if len(value) == 1 and isinstance(value[0], dict):  # a single nested block
                return _get(value[0], key)
            raise _EvalError(f"no attribute {key!r} on a list")
        index = int(key)
        if not 0 <= index < len(value):
            raise _EvalError("index out of range")
        return value[index]
    raise _EvalError(f"cannot read {key!r} of {type(value).__name__}")


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return str(key).lower()
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    if isinstance(key, str | int | float):
        return str(key)
    raise _EvalError("map keys must be strings")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return bool(a == b)


def _as_bool(value: Any) -> bool | _Unknown:
    if isinstance(value, bool):
        return value
    if isinstance(value, _Unknown) or unknown_text(value):
        return _Unknown("")
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise _EvalError(f"{value!r} is not a bool")


def _as_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise _EvalError("a bool is not a number")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value) if re.fullmatch(r"-?\d+", value) else float(value)
        except ValueError:
            raise _EvalError(f"{value!r} is not a number") from None
    raise _EvalError(f"{type(value).__name__} is not a number")


def _number(value: int | float) -> int | float:
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(_number(value))
    if isinstance(value, dict | list):
        raise _EvalError("a collection cannot be interpolated")
    if value is None:
        raise _EvalError("null cannot be interpolated")
    return str(value)


def _unquote_key(key: object) -> str:
    text = str(key)
    return text[1:-1] if len(text) >= 2 and text[0] == '"' and text[-1] == '"' else text


# ---- built-in functions ------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return _as_text(value)
    raise _EvalError(f"{type(value).__name__} is not a string")


def _list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    raise _EvalError(f"{type(value).__name__} is not a list")


def _map(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise _EvalError(f"{type(value).__name__} is not a map")


def _sized(items: list[Any]) -> list[Any]:
    if len(items) > _MAX_ITEMS:
        raise _EvalError("collection too large")
    return items


def _format(fmt: Any, *args: Any) -> str:
    values = list(args)

    def piece(verb: str, precision: str | None) -> str:
        if not values:
            raise _EvalError("not enough arguments for format")
        arg = values.pop(0)
        if verb == "d":
            return str(int(_as_number(arg)))
        if verb in ("f", "e", "g"):
            return f"{float(_as_number(arg)):.{precision or 6}{verb}}"
        if verb == "q":
            return json.dumps(_text(arg))
        if verb == "t":
            return _as_text(bool(arg))
        if verb == "v" and isinstance(arg, dict | list):
            return json.dumps(arg, separators=(",", ":"))
        return _text(arg)

    return printf(_text(fmt), piece, max_width=1000)


def _replace(text: Any, old: Any, new: Any) -> str:
    source, pattern, repl = _text(text), _text(old), _text(new)
    if len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/"):
        return re.sub(pattern[1:-1], re.sub(r"\$\{?(\d+)\}?", r"\\g<\1>", repl.replace("\\", "\\\\")), source)
    return source.replace(pattern, repl)


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    values = _map(mapping)
    if _text(key) in values:
        return values[_text(key)]
    if default:
        return default[0]
    raise _EvalError(f"no key {key!r}")


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        out.update(_map(item))
    return out


def _coalesce(*values: Any) -> Any:
    for value in values:
        if isinstance(value, _Unknown):
            raise _EvalError("unknown")
        if value is not None and value != "":
            return value
    raise _EvalError("no non-null argument")


def _flatten(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in _list(value):
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return _sized(out)


def _distinct(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in _list(value):
        if item not in out:
            out.append(item)
    return out


def _toset(value: Any) -> list[Any]:
    unique = _distinct(value)
    return sorted(unique) if all(isinstance(v, str) for v in unique) else unique


def _range(*args: Any) -> list[Any]:
    numbers = [_as_number(a) for a in args]
    start, stop, step = (
        (0, numbers[0], 1) if len(numbers) == 1 else (*numbers[:2], numbers[2] if len(numbers) > 2 else 1)
    )
    if step == 0 or abs((stop - start) / step) > _MAX_ITEMS:
        raise _EvalError("range too large")
    out: list[Any] = []
    value = start
    while (step > 0 and value < stop) or (step < 0 and value > stop):
        out.append(_number(value))
        value += step
    return out


def _one(value: Any) -> Any:
    items = _list(value)
    if len(items) > 1:
        raise _EvalError("more than one element")
    return items[0] if items else None


def _tonumber(value: Any) -> Any:
    return None if value is None else _number(_as_number(value))


def _tobool(value: Any) -> Any:
    return None if value is None else _as_bool(value)


def _yamlencode(value: Any) -> str:
    import yaml

    return str(yaml.safe_dump(value, default_flow_style=False, sort_keys=True))


def _jsondecode(text: Any) -> Any:
    try:
        return json.loads(_text(text))
    except ValueError as exc:
        raise _EvalError(str(exc)) from None


def _slice(value: Any, start: Any, end: Any) -> list[Any]:
    items = _list(value)
    a, b = int(_as_number(start)), int(_as_number(end))
    if not 0 <= a <= b <= len(items):
        raise _EvalError("slice out of range")
    return items[a:b]


def _element(value: Any, index: Any) -> Any:
    items = _list(value)
    if not items:
        raise _EvalError("element of an empty list")
    return items[int(_as_number(index)) % len(items)]


def _substr(text: Any, offset: Any, length: Any) -> str:
    source, start, size = _text(text), int(_as_number(offset)), int(_as_number(length))
    start = start if start >= 0 else len(source) + start
    return source[start:] if size < 0 else source[start : start + size]


def _formatlist(fmt: Any, *args: Any) -> list[str]:
    lists = [a for a in args if isinstance(a, list)]
    if any(len(x) != len(lists[0]) for x in lists):
        raise _EvalError("formatlist lists differ in length")
    rows = len(lists[0]) if lists else 1
    return [_format(fmt, *[a[i] if isinstance(a, list) else a for a in args]) for i in range(rows)]


FUNCTIONS: dict[str, Callable[..., Any]] = {
    # numbers
    "abs": lambda n: abs(_as_number(n)),
    "ceil": lambda n: math.ceil(_as_number(n)),
    "floor": lambda n: math.floor(_as_number(n)),
    "max": lambda *n: max(_as_number(x) for x in n),
    "min": lambda *n: min(_as_number(x) for x in n),
    "signum": lambda n: (_as_number(n) > 0) - (_as_number(n) < 0),
    "parseint": lambda s, base: int(_text(s), int(_as_number(base))),
    "pow": lambda a, b: _number(_as_number(a) ** _as_number(b)) if abs(_as_number(b)) <= 64 else None,
    # strings
    "chomp": lambda s: _text(s).rstrip("\r\n"),
    "format": _format,
    "formatlist": lambda fmt, *args: _formatlist(fmt, *args),
    "indent": lambda n, s: _text(s).replace("\n", "\n" + " " * min(int(_as_number(n)), 1000)),
    "join": lambda sep, *lists: _text(sep).join(_text(x) for item in lists for x in _list(item)),
    "lower": lambda s: _text(s).lower(),
    "upper": lambda s: _text(s).upper(),
    "title": lambda s: _text(s).title(),
    "replace": _replace,
    "split": lambda sep, s: _text(s).split(_text(sep)) if _text(s) else [],
    "strrev": lambda s: _text(s)[::-1],
    "substr": _substr,
    "trim": lambda s, cut: _text(s).strip(_text(cut)),
    "trimprefix": lambda s, p: _text(s).removeprefix(_text(p)),
    "trimsuffix": lambda s, p: _text(s).removesuffix(_text(p)),
    "trimspace": lambda s: _text(s).strip(),
    "startswith": lambda s, p: _text(s).startswith(_text(p)),
    "endswith": lambda s, p: _text(s).endswith(_text(p)),
    "strcontains": lambda s, p: _text(p) in _text(s),
    # collections
    "alltrue": lambda v: all(_as_bool(x) is True for x in _list(v)),
    "anytrue": lambda v: any(_as_bool(x) is True for x in _list(v)),
    "chunklist": lambda v, n: [
        _list(v)[i : i + int(_as_number(n))] for i in range(0, len(_list(v)), max(int(_as_number(n)), 1))
    ],
    "coalesce": _coalesce,
    "coalescelist": lambda *v: next((x for x in v if _list(x)), []),
    "compact": lambda v: [x for x in _list(v) if x is not None and x != ""],
    "concat": lambda *v: _sized([x for item in v for x in _list(item)]),
    "contains": lambda v, x: x in _list(v),
    "distinct": _distinct,
    "element": _element,
    "flatten": _flatten,
    "index": lambda v, x: _list(v).index(x),
    "keys": lambda m: sorted(_map(m)),
    "length": lambda v: len(v) if isinstance(v, list | dict | str) else len(_list(v)),
    "lookup": _lookup,
    "merge": _merge,
    "one": _one,
    "range": _range,
    "reverse": lambda v: _list(v)[::-1],
    "setintersection": lambda first, *rest: [x for x in _toset(first) if all(x in _list(r) for r in rest)],
    "setsubtract": lambda a, b: [x for x in _toset(a) if x not in _list(b)],
    "setunion": lambda *v: _toset([x for item in v for x in _list(item)]),
    "slice": _slice,
    "sort": lambda v: sorted(_text(x) for x in _list(v)),
    "sum": lambda v: _number(sum(_as_number(x) for x in _list(v))),
    "values": lambda m: [_map(m)[k] for k in sorted(_map(m))],
    "zipmap": lambda k, v: dict(zip([_text(x) for x in _list(k)], _list(v), strict=True)),
    # encodings
    "jsonencode": lambda v: json.dumps(_export(v), separators=(",", ":")),
    "jsondecode": _jsondecode,
    "yamlencode": lambda v: _yamlencode(_export(v)),
    "base64encode": lambda s: base64.b64encode(_text(s).encode()).decode(),
    "base64decode": lambda s: base64.b64decode(_text(s)).decode(errors="replace"),
    "urlencode": lambda s: quote(_text(s), safe=""),
    # types
    "tostring": lambda v: None if v is None else _text(v),
    "tonumber": _tonumber,
    "tobool": _tobool,
    "tolist": lambda v: list(_list(v)),
    "toset": _toset,
    "tomap": lambda v: dict(_map(v)),
    "sensitive": lambda v: v,
    "nonsensitive": lambda v: v,
}
"""Terraform's pure built-in functions.  ``file`` / ``templatefile`` are handled by the evaluator
(inside the scanned tree only); others (``timestamp``, ``uuid``, hashes, CIDR arithmetic ...) leave
the expression unevaluated."""

_DEEP_OK = frozenset(
    {
        "jsonencode",
        "yamlencode",
        "merge",
        "concat",
        "lookup",
        "length",
        "keys",
        "flatten",
        "distinct",
        "toset",
        "tolist",
        "tomap",
        "element",
        "one",
        "values",
        "compact",
        "coalesce",
        "coalescelist",
        "reverse",
        "slice",
        "sensitive",
        "nonsensitive",
        "zipmap",
    }
)
"""Functions that accept collections holding unknown values (the result holds them too)."""
