"""A safe subset of Go templates, enough to render most Helm charts with their default values.

Supported: ``{{ }}`` actions with ``{{-``/``-}}`` trimming and ``{{/* */}}`` comments; values
``.Values.x.y``, ``.Release.Name/Namespace/Service``, ``.Chart.Name/Version/AppVersion``, ``.``,
``$``, ``$var`` from ``:=`` or ``range $k, $v :=``; pipelines and parenthesised calls; ``if`` /
``else if`` / ``else`` / ``with`` / ``range`` / ``define`` / ``template`` / ``include``; and the
functions in :data:`FUNCTIONS`.  Anything else (``lookup``, ``tpl``, ``.Files``, ``.Capabilities``,
unknown functions) raises :class:`Unsupported`: the template is skipped with a warning rather than
rendered by guessing.  Nothing is executed beyond these substitutions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml


class Unsupported(Exception):
    """The template uses something outside the supported subset."""


_ACTION = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.S)


@dataclass
class _Node:
    kind: str  # text | action | if | with | range | define
    text: str = ""
    branches: list[tuple[str | None, list[_Node]]] = field(default_factory=list)
    """(condition or None for else, body)."""
    name: str = ""


def parse(source: str) -> tuple[list[_Node], dict[str, list[_Node]]]:
    """Parse a template; returns its body and the named templates it defines."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    for match in _ACTION.finditer(source):
        text = source[pos : match.start()]
        if match.group(1):
            text = text.rstrip()
        if tokens and tokens[-1][0] == "trim":
            tokens.pop()
            text = text.lstrip()
        tokens.append(("text", text))
        body = match.group(2).strip()
        if not body.startswith("/*"):
            tokens.append(("action", body))
        if match.group(3):
            tokens.append(("trim", ""))
        pos = match.end()
    tail = source[pos:]
    if tokens and tokens[-1][0] == "trim":
        tokens.pop()
        tail = tail.lstrip()
    tokens.append(("text", tail))
    defines: dict[str, list[_Node]] = {}
    body, end = _parse_block(tokens, 0, defines)
    if end < len(tokens):
        raise Unsupported(f"unexpected {{{{ {tokens[end][1]} }}}}")
    return body, defines


def _parse_block(
    tokens: list[tuple[str, str]], i: int, defines: dict[str, list[_Node]]
) -> tuple[list[_Node], int]:
    nodes: list[_Node] = []
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "trim":
            i += 1
            continue
        if kind == "text":
            if text:
                nodes.append(_Node("text", text))
            i += 1
            continue
        word = text.split(None, 1)[0] if text else ""
        if word in ("end", "else"):
            return nodes, i
        if word in ("if", "with", "range", "define"):
            node = _Node(word)
            cond: str | None = text[len(word) :].strip()
            while True:
                body, i = _parse_block(tokens, i + 1, defines)
                node.branches.append((cond, body))
                if i >= len(tokens):
                    raise Unsupported(f"{{{{ {word} }}}} without {{{{ end }}}}")
                closing = tokens[i][1]
                if closing == "end":
                    i += 1
                    break
                rest = closing[4:].strip()
                cond = rest[3:].strip() if rest.startswith("if ") else (rest if rest else None)
                if rest and not rest.startswith("if "):
                    raise Unsupported(f"{{{{ {closing} }}}}")
            if word == "define":
                defines[_unquote(str(node.branches[0][0]))] = node.branches[0][1]
            else:
                nodes.append(node)
            continue
        if word in ("block", "break", "continue"):
            raise Unsupported(f"{{{{ {word} }}}}")
        nodes.append(_Node("action", text))
        i += 1
    return nodes, i


def _unquote(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] in '"`' and text[-1] == text[0] else text


@dataclass
class Renderer:
    """Renders parsed templates against a root context (``{"Values": ..., "Release": ...}``)."""

    root: dict[str, Any]
    defines: dict[str, list[_Node]] = field(default_factory=dict)
    depth: int = 0

    def render(self, nodes: list[_Node], dot: Any = None, variables: dict[str, Any] | None = None) -> str:
        dot = self.root if dot is None else dot
        scope = {"$": self.root, **(variables or {})}
        out: list[str] = []
        for node in nodes:
            if node.kind == "text":
                out.append(node.text)
            elif node.kind == "action":
                value = self._pipeline(node.text, dot, scope)
                if value is not _NOTHING:
                    out.append(_print(value))
            elif node.kind in ("if", "with"):
                for cond, body in node.branches:
                    if cond is None:
                        out.append(self.render(body, dot, scope))
                        break
                    value = self._pipeline(cond, dot, scope)
                    if _truthy(value):
                        out.append(self.render(body, value if node.kind == "with" else dot, scope))
                        break
            elif node.kind == "range":
                out.append(self._range(node, dot, scope))
        return "".join(out)

    def _range(self, node: _Node, dot: Any, scope: dict[str, Any]) -> str:
        cond, body = node.branches[0]
        assert cond is not None
        names: list[str] = []
        match = re.match(r"^(\$\w+)(?:\s*,\s*(\$\w+))?\s*:=\s*(.*)$", cond, re.S)
        if match:
            names = [n for n in match.groups()[:2] if n]
            cond = match.group(3)
        items = self._pipeline(cond, dot, scope)
        pairs = list(items.items()) if isinstance(items, dict) else list(enumerate(items or []))
        if isinstance(items, dict):
            pairs.sort(key=lambda kv: str(kv[0]))
        if not pairs:
            return self.render(node.branches[1][1], dot, scope) if len(node.branches) > 1 else ""
        out = []
        for key, value in pairs:
            local = dict(scope)
            if len(names) == 1:
                local[names[0]] = value
            elif len(names) == 2:
                local[names[0]], local[names[1]] = key, value
            out.append(self.render(body, value, local))
        return "".join(out)

    # ---- pipelines ------------------------------------------------------------------------------

    def _pipeline(self, text: str, dot: Any, scope: dict[str, Any]) -> Any:
        assign = re.match(r"^(\$\w+)\s*:?=\s*(.*)$", text, re.S)
        if assign:
            scope[assign.group(1)] = self._pipeline(assign.group(2), dot, scope)
            return _NOTHING
        value: Any = _NOTHING
        for stage in _split(text, "|"):
            words = _words(stage)
            if not words:
                raise Unsupported(f"empty pipeline stage in {text!r}")
            extra = [] if value is _NOTHING else [value]
            value = self._command(words, dot, scope, extra)
        return value

    def _command(self, words: list[str], dot: Any, scope: dict[str, Any], extra: list[Any]) -> Any:
        head = words[0]
        if head in FUNCTIONS or head in ("include", "template"):
            args = [self._term(w, dot, scope) for w in words[1:]] + extra
            if head in ("include", "template"):
                return self._include(args)
            return FUNCTIONS[head](*args)
        if len(words) > 1 or extra:
            if head.startswith(("(", ".", "$", '"')):
                raise Unsupported(f"cannot call {head!r}")
            raise Unsupported(f"function {head!r} is not supported")
        return self._term(head, dot, scope)

    def _term(self, word: str, dot: Any, scope: dict[str, Any]) -> Any:
        if word.startswith("(") and word.endswith(")"):
            return self._pipeline(word[1:-1], dot, scope)
        if word.startswith('"') or word.startswith("`"):
            return json.loads(word) if word.startswith('"') else word[1:-1]
        if re.fullmatch(r"-?\d+", word):
            return int(word)
        if re.fullmatch(r"-?\d+\.\d+", word):
            return float(word)
        if word in ("true", "false"):
            return word == "true"
        if word == "nil":
            return None
        if word == ".":
            return dot
        if word.startswith("$"):
            name, _, path = word.partition(".")
            if name not in scope:
                raise Unsupported(f"undefined variable {name}")
            return _dig(scope[name], path)
        if word.startswith("."):
            if word.startswith((".Files", ".Capabilities", ".Template")):
                raise Unsupported(f"{word.split('.')[1]} is not available without helm")
            return _dig(dot, word[1:])
        if word in FUNCTIONS:
            return FUNCTIONS[word]()
        raise Unsupported(f"function {word!r} is not supported")

    def _include(self, args: list[Any]) -> str:
        if not args or args[0] not in self.defines:
            raise Unsupported(f"named template {args[0] if args else ''!r} is not defined")
        if self.depth > 20:
            raise Unsupported("include nested too deeply")
        inner = Renderer(self.root, self.defines, self.depth + 1)
        return inner.render(self.defines[args[0]], args[1] if len(args) > 1 else None)


_NOTHING: Any = object()


def _split(text: str, sep: str) -> list[str]:
    parts, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote and (len(cur) < 2 or cur[-2] != "\\"):
                quote = ""
            continue
        if ch in '"`':
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


def _words(text: str) -> list[str]:
    words, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote and (len(cur) < 2 or cur[-2] != "\\"):
                quote = ""
            continue
        if ch in '"`':
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch.isspace() and depth == 0:
            if cur:
                words.append("".join(cur))
                cur = []
            continue
        cur.append(ch)
    if cur:
        words.append("".join(cur))
    return words


def _dig(value: Any, path: str) -> Any:
    for part in [p for p in path.split(".") if p]:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", [], {}) and value is not _NOTHING


def _print(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return "map[...]" if isinstance(value, dict) else " ".join(map(_print, value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _to_yaml(value: Any = None) -> str:
    if value is None:
        return "null"
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=False).rstrip("\n")


def _indent(n: int, text: Any) -> str:
    pad = " " * int(n)
    return "\n".join(pad + line for line in _print(text).split("\n"))


def _default(default: Any, value: Any = None) -> Any:
    return value if _truthy(value) else default


def _printf(fmt: str, *args: Any) -> str:
    converted = re.sub(r"%[vq]", "%s", fmt)
    try:
        return converted % tuple(_print(a) if not isinstance(a, int | float) else a for a in args)
    except (TypeError, ValueError) as exc:
        raise Unsupported(f"printf {fmt!r}: {exc}") from None


def _required(message: str, value: Any = None) -> Any:
    return value


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "default": _default,
    "quote": lambda *a: " ".join(json.dumps(_print(x)) for x in a),
    "squote": lambda *a: " ".join(f"'{_print(x)}'" for x in a),
    "toYaml": _to_yaml,
    "toJson": lambda v=None: json.dumps(v),
    "indent": _indent,
    "nindent": lambda n, text: "\n" + _indent(n, text),
    "trunc": lambda n, s: _print(s)[: int(n)] if int(n) >= 0 else _print(s)[int(n) :],
    "trimSuffix": lambda suffix, s: _print(s).removesuffix(suffix),
    "trimPrefix": lambda prefix, s: _print(s).removeprefix(prefix),
    "trim": lambda s: _print(s).strip(),
    "lower": lambda s: _print(s).lower(),
    "upper": lambda s: _print(s).upper(),
    "title": lambda s: _print(s).title(),
    "replace": lambda old, new, s: _print(s).replace(old, new),
    "contains": lambda sub, s: sub in _print(s),
    "hasPrefix": lambda pre, s: _print(s).startswith(pre),
    "hasSuffix": lambda suf, s: _print(s).endswith(suf),
    "printf": _printf,
    "print": lambda *a: "".join(_print(x) for x in a),
    "toString": _print,
    "int": lambda v=0: int(v or 0),
    "required": _required,
    "empty": lambda v=None: not _truthy(v),
    "not": lambda v=None: not _truthy(v),
    "eq": lambda a, *b: any(a == x for x in b),
    "ne": lambda a, b: a != b,
    "and": lambda *a: next((x for x in a if not _truthy(x)), a[-1] if a else None),
    "or": lambda *a: next((x for x in a if _truthy(x)), a[-1] if a else None),
    "hasKey": lambda d, k: isinstance(d, dict) and k in d,
    "list": lambda *a: list(a),
    "dict": lambda *a: {str(a[i]): a[i + 1] for i in range(0, len(a) - 1, 2)},
    "semverCompare": lambda *_a: True,
    "splitList": lambda sep, s: _print(s).split(sep),
    "join": lambda sep, items: sep.join(_print(i) for i in items or []),
    "b64enc": lambda s: __import__("base64").b64encode(_print(s).encode()).decode(),
}
"""The functions the renderer implements (Sprig's and Go's of the same name)."""
