"""Go templates as Helm evaluates them, for rendering charts with their default values.

Supported: ``{{ }}`` actions with ``{{-``/``-}}`` trimming and ``{{/* */}}`` comments; the data
Helm gives a template (``.Values``, ``.Release``, ``.Chart``, ``.Template``, ``.Capabilities``,
``.Files``, ``.Subcharts``); ``.``, ``$``, variables (``:=`` declares in the current scope, ``=``
assigns where the variable was declared, ``range $k, $v :=``); pipelines, parenthesised calls and
fields of their results (``(index .Values "a").b``), methods of Helm's objects
(``.Capabilities.APIVersions.Has``, ``.Files.Get``); ``if`` / ``else if`` / ``with`` / ``else with``
/ ``range`` (with ``else``, ``break``, ``continue``) / ``define`` / ``template`` / ``block`` /
``include`` / ``tpl``; Go's built-in functions and Sprig's pure ones (strings, lists, dictionaries,
``merge`` / ``mergeOverwrite`` / ``deepCopy``, ``ternary``, ``coalesce``, regular expressions,
encodings, ``semverCompare`` against the rendering Kubernetes version ...).

What ``helm template`` itself does offline is done the same way: ``lookup`` returns an empty map,
``.Capabilities`` describes a default cluster (Kubernetes 1.30 and its built-in API versions), and
values that come out missing print as nothing.  Functions that would draw randomness or time give
fixed placeholders.  Anything else (certificate generation, unknown functions, ``fail`` reached with
the defaults) raises :class:`Unsupported`: the template is skipped with a warning rather than
rendered by guessing.  Nothing is executed beyond these substitutions.
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import hashlib
import json
import math
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlsplit

import yaml

from aispm.discover.printf import printf


class Unsupported(Exception):
    """The template uses something outside the supported subset."""


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


_ACTION = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.S)
KUBE_VERSION = "v1.30.0"
"""The Kubernetes version charts are rendered for (``.Capabilities.KubeVersion``)."""

_BUILTIN_APIS = (
    "v1",
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1",
    "apps/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
)
"""API versions of a cluster with nothing installed (what ``helm template`` assumes)."""


@dataclass
class _Node:
    kind: str  # text | action | if | with | range
    text: str = ""
    branches: list[tuple[str | None, list[_Node]]] = field(default_factory=list)
    """(condition or None for else, body); a branch condition ``with:...`` is an ``else with``."""


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


def _keyword(text: str) -> str:
    match = re.match(r"[a-z]+", text)
    return match.group(0) if match and (len(text) == match.end() or not text[match.end()].isalnum()) else ""


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
        word = _keyword(text)
        if word in ("end", "else"):
            return nodes, i
        if word in ("if", "with", "range", "define", "block"):
            node = _Node(word)
            cond: str | None = text[len(word) :].strip()
            while True:
                body, i = _parse_block(tokens, i + 1, defines)
                node.branches.append((cond, body))
                if i >= len(tokens):
                    raise Unsupported(f"{{{{ {word} }}}} without {{{{ end }}}}")
                closing = tokens[i][1]
                if _keyword(closing) == "end":
                    i += 1
                    break
                rest = closing[4:].strip()
                if not rest:
                    cond = None
                elif _keyword(rest) == "if" and word == "if":
                    cond = rest[2:].strip()
                elif _keyword(rest) == "with" and word == "with":
                    cond = rest[4:].strip()
                else:
                    raise Unsupported(f"{{{{ {closing} }}}}")
            if word in ("define", "block"):
                name_text, _, pipeline = str(node.branches[0][0]).partition(" ")
                name = _unquote(name_text)
                if word == "define" or name not in defines:
                    defines[name] = node.branches[0][1]
                if word == "block":
                    nodes.append(_Node("action", f"template {name_text} {pipeline or '.'}"))
            else:
                nodes.append(node)
            continue
        if word in ("break", "continue") and text == word:
            nodes.append(_Node(word))
            i += 1
            continue
        nodes.append(_Node("action", text))
        i += 1
    return nodes, i


def _unquote(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] in '"`' and text[-1] == text[0] else text


class _Scope:
    """Variables of one control structure (Go scopes them to the enclosing ``if`` / ``range`` ...)."""

    def __init__(self, parent: _Scope | None = None, **variables: Any) -> None:
        self.parent = parent
        self.vars: dict[str, Any] = dict(variables)

    def get(self, name: str) -> Any:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        raise Unsupported(f"undefined variable {name}")

    def assign(self, name: str, value: Any) -> None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.vars:
                scope.vars[name] = value
                return
            scope = scope.parent
        raise Unsupported(f"undefined variable {name}")


class HelmObject:
    """An object of Helm's template data with fields and methods (``.Files``, ``.Capabilities``)."""

    def __init__(self, **fields: Any) -> None:
        self.fields = fields

    def get(self, name: str) -> Any:
        return self.fields.get(name)


@dataclass
class Renderer:
    """Renders parsed templates against a root context (``{"Values": ..., "Release": ...}``)."""

    root: dict[str, Any]
    defines: dict[str, list[_Node]] = field(default_factory=dict)
    depth: int = 0

    def render(self, nodes: list[_Node], dot: Any = None, variables: dict[str, Any] | None = None) -> str:
        dot = self.root if dot is None else dot
        scope = _Scope(None, **{"$": dot if self.depth else self.root, **(variables or {})})
        return self._nodes(nodes, dot, scope)

    def _nodes(self, nodes: list[_Node], dot: Any, scope: _Scope) -> str:
        out: list[str] = []
        try:
            for node in nodes:
                self._node(node, dot, scope, out)
        except _Break as stop:
            raise _Break("".join(out) + str(stop)) from None
        except _Continue as stop:
            raise _Continue("".join(out) + str(stop)) from None
        return "".join(out)

    def _node(self, node: _Node, dot: Any, scope: _Scope, out: list[str]) -> None:
        if node.kind == "text":
            out.append(node.text)
        elif node.kind == "action":
            value = self._pipeline(node.text, dot, scope)
            if value is not _NOTHING:
                out.append(_print(value))
        elif node.kind in ("if", "with"):
            for cond, body in node.branches:
                if cond is None:
                    out.append(self._nodes(body, dot, _Scope(scope)))
                    break
                inner = _Scope(scope)
                value = self._pipeline(cond, dot, inner, declare=True)
                if _truthy(value):
                    out.append(self._nodes(body, value if node.kind == "with" else dot, inner))
                    break
        elif node.kind == "range":
            out.append(self._range(node, dot, scope))
        elif node.kind == "break":
            raise _Break("")
        elif node.kind == "continue":
            raise _Continue("")

    def _range(self, node: _Node, dot: Any, scope: _Scope) -> str:
        cond, body = node.branches[0]
        assert cond is not None
        names: list[str] = []
        match = re.match(r"^(\$\w*)(?:\s*,\s*(\$\w*))?\s*:=\s*(.*)$", cond, re.S)
        if match:
            names = [n for n in match.groups()[:2] if n]
            cond = match.group(3)
        items = self._pipeline(cond, dot, scope)
        if isinstance(items, int) and not isinstance(items, bool):
            items = list(range(items))
        if isinstance(items, dict):
            pairs: list[tuple[Any, Any]] = sorted(items.items(), key=lambda kv: str(kv[0]))
        elif isinstance(items, list | tuple):
            pairs = list(enumerate(items))
        elif items is None:
            pairs = []
        else:
            raise Unsupported(f"range over {type(items).__name__}")
        if not pairs:
            return self._nodes(node.branches[1][1], dot, _Scope(scope)) if len(node.branches) > 1 else ""
        out = []
        for key, value in pairs:
            local = _Scope(scope)
            if len(names) == 1:
                local.vars[names[0]] = value
            elif len(names) == 2:
                local.vars[names[0]], local.vars[names[1]] = key, value
            try:
                out.append(self._nodes(body, value, local))
            except _Continue as stop:
                out.append(str(stop))
            except _Break as stop:
                out.append(str(stop))
                break
        return "".join(out)

    # ---- pipelines ------------------------------------------------------------------------------

    def _pipeline(self, text: str, dot: Any, scope: _Scope, declare: bool = False) -> Any:
        assign = re.match(r"^(\$\w*)\s*(:?=)\s*(.*)$", text, re.S)
        if assign:
            assigned = self._pipeline(assign.group(3), dot, scope)
            if assign.group(2) == ":=":
                scope.vars[assign.group(1)] = assigned
            else:
                scope.assign(assign.group(1), assigned)
            return assigned if declare else _NOTHING
        value: Any = _NOTHING
        for stage in _split(text, "|"):
            words = _words(stage)
            if not words:
                raise Unsupported(f"empty pipeline stage in {text!r}")
            extra = [] if value is _NOTHING else [value]
            value = self._command(words, dot, scope, extra)
        return value

    def _command(self, words: list[str], dot: Any, scope: _Scope, extra: list[Any]) -> Any:
        head = words[0]
        if head in ("and", "or"):
            return self._logic(head, words[1:], dot, scope, extra)
        if head in _SPECIAL:
            args = [self._term(w, dot, scope) for w in words[1:]] + extra
            return _SPECIAL[head](self, *args)
        if head in FUNCTIONS:
            args = [self._term(w, dot, scope) for w in words[1:]] + extra
            return _call(head, FUNCTIONS[head], args)
        if len(words) > 1 or extra:
            target = self._term(head, dot, scope)
            if callable(target):
                return _call(head, target, [self._term(w, dot, scope) for w in words[1:]] + extra)
            if head.startswith(("(", ".", "$", '"')):
                raise Unsupported(f"cannot call {head!r}")
            raise Unsupported(f"function {head!r} is not supported")
        value = self._term(head, dot, scope)
        return value() if callable(value) and head.startswith(("(", ".", "$")) else value

    def _logic(self, head: str, words: list[str], dot: Any, scope: _Scope, extra: list[Any]) -> Any:
        """``and`` / ``or`` evaluate their arguments left to right and stop at the deciding one."""
        last: Any = None
        for word in [*words, *(["\0extra"] if extra else [])]:
            last = extra[0] if word == "\0extra" else self._term(word, dot, scope)
            if _truthy(last) != (head == "and"):
                return last
        return last

    def _term(self, word: str, dot: Any, scope: _Scope) -> Any:
        if word.startswith("("):
            close = _closing_paren(word)
            value = self._pipeline(word[1:close], dot, scope)
            rest = word[close + 1 :]
            return _dig(value, rest) if rest else value
        if word.startswith('"'):
            try:
                return json.loads(word)
            except ValueError:
                return word[1:-1]
        if word.startswith("`"):
            return word[1:-1]
        if len(word) == 3 and word[0] == word[2] == "'":
            return ord(word[1])
        if re.fullmatch(r"-?\d+", word):
            return int(word)
        if re.fullmatch(r"0[xX][0-9a-fA-F]+", word):
            return int(word, 16)
        if re.fullmatch(r"-?\d+\.\d*(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+", word):
            return float(word)
        if word in ("true", "false"):
            return word == "true"
        if word == "nil":
            return None
        if word == ".":
            return dot
        if word.startswith("$"):
            name, _, path = word.partition(".")
            return _dig(scope.get(name), path)
        if word.startswith("."):
            return _dig(dot, word[1:])
        if word in FUNCTIONS:
            return _call(word, FUNCTIONS[word], [])
        raise Unsupported(f"function {word!r} is not supported")

    # ---- named templates ------------------------------------------------------------------------

    def include(self, name: Any = None, data: Any = None) -> str:
        if not isinstance(name, str) or name not in self.defines:
            raise Unsupported(f"named template {name!r} is not defined")
        if self.depth > 40:
            raise Unsupported("include nested too deeply")
        inner = Renderer(self.root, self.defines, self.depth + 1)
        return inner.render(self.defines[name], data)

    def tpl(self, text: Any = None, data: Any = None) -> str:
        if text is None:
            return ""
        if self.depth > 40:
            raise Unsupported("tpl nested too deeply")
        body, defines = parse(_print(text))
        inner = Renderer(self.root, {**self.defines, **defines}, self.depth + 1)
        return inner.render(body, data)


_NOTHING: Any = object()

_SPECIAL: dict[str, Callable[..., Any]] = {
    "include": Renderer.include,
    "template": Renderer.include,
    "tpl": Renderer.tpl,
}


def _call(name: str, fn: Callable[..., Any], args: list[Any]) -> Any:
    try:
        return fn(*args)
    except (Unsupported, _Break, _Continue):
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError, re.error) as exc:
        raise Unsupported(f"{name}: {type(exc).__name__}: {exc}") from None


def _closing_paren(word: str) -> int:
    """Index of the parenthesis closing the one ``word`` starts with."""
    depth, quote, previous = 0, "", ""
    for i, ch in enumerate(word):
        if quote:
            if ch == quote and (previous != "\\" or quote == "`"):
                quote = ""
        elif ch in '"`':
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        previous = "" if previous == "\\" and ch == "\\" else ch
    raise Unsupported(f"unbalanced parentheses in {word!r}")


def _top_level(text: str) -> Iterator[tuple[str, bool]]:
    """Each character of ``text`` and whether it stands outside quotes and parentheses, where a
    separator splits (a quote closes at the same quote character not preceded by a backslash)."""
    depth, quote, previous = 0, "", ""
    for ch in text:
        if quote:
            if ch == quote and (previous != "\\" or quote == "`"):
                quote = ""
            yield ch, False
            previous = "" if previous == "\\" and ch == "\\" else ch
            continue
        if ch in '"`':
            quote = ch
            yield ch, False
        else:
            depth += (ch == "(") - (ch == ")")
            yield ch, depth == 0
        previous = ch


def _split(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    cur: list[str] = []
    for ch, top in _top_level(text):
        if top and ch == sep:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


def _words(text: str) -> list[str]:
    words: list[str] = []
    cur: list[str] = []
    for ch, top in _top_level(text):
        if top and ch.isspace():
            if cur:
                words.append("".join(cur))
                cur = []
        else:
            cur.append(ch)
    if cur:
        words.append("".join(cur))
    return words


def _dig(value: Any, path: str) -> Any:
    for part in [p for p in path.split(".") if p]:
        if isinstance(value, dict | HelmObject):
            value = value.get(part)
        else:
            return None
    return value


# ---- values and printing -------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    if value is _NOTHING or value is None or value is False:
        return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value != 0
    if isinstance(value, str | list | tuple | dict):
        return len(value) > 0
    return True


def _print(value: Any) -> str:
    """Go's ``fmt`` rendering of a value (``%v``), with Helm's ``<no value>`` removed."""
    if value is None or value is _NOTHING:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_print_in(v)}" for k, v in sorted(value.items(), key=str)) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(_print_in(v) for v in value) + "]"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, HelmObject):
        return ""
    return str(value)


def _print_in(value: Any) -> str:
    return "<nil>" if value is None else _print(value)


def _to_yaml(value: Any = None) -> str:
    if value is None:
        return "null"
    return yaml.safe_dump(_plain(value), default_flow_style=False, sort_keys=True, width=1 << 16).rstrip("\n")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, HelmObject):
        return None
    return value


def _to_json(value: Any = None, indent: int | None = None) -> str:
    return json.dumps(_plain(value), indent=indent, sort_keys=True, separators=None if indent else (",", ":"))


def _from_yaml(text: Any = None) -> Any:
    try:
        value = yaml.safe_load(_print(text))
    except yaml.YAMLError as exc:
        return {"Error": str(exc).splitlines()[0]}
    return value if value is not None else {}


def _from_json(text: Any = None) -> Any:
    try:
        return json.loads(_print(text))
    except ValueError as exc:
        return {"Error": str(exc)}


def _indent(n: Any, text: Any) -> str:
    pad = " " * int(n)
    return "\n".join(pad + line for line in _print(text).split("\n"))


def _default(default: Any, value: Any = None) -> Any:
    return value if _truthy(value) else default


def _printf(fmt: Any, *args: Any) -> str:
    values = list(args)

    def piece(verb: str, precision: str | None) -> str:
        arg = values.pop(0) if values else None
        if verb == "d":
            return str(int(arg or 0))
        if verb in ("f", "F", "e", "g"):
            return f"{float(arg or 0):.{precision or 6}{verb.lower() if verb != 'F' else 'f'}}"
        if verb == "q":
            return json.dumps(_print(arg))
        if verb in ("x", "X"):
            return format(int(arg), verb) if isinstance(arg, int) else _print(arg).encode().hex()
        if verb == "t":
            return _print(bool(arg))
        text = _print_in(arg) if verb == "v" else _print(arg)
        return text[: int(precision)] if precision else text

    return printf(_print(fmt), piece)


def _to_int(value: Any = None) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(value)
    text = str(value).strip()
    try:
        return int(text, 0) if re.fullmatch(r"-?(0[xX][0-9a-fA-F]+|\d+)", text) else int(float(text))
    except ValueError:
        return 0


def _to_float(value: Any = None) -> float:
    try:
        return float(value) if value not in (None, "") else 0.0
    except (TypeError, ValueError):
        return 0.0


def _merge(overwrite: bool) -> Callable[..., Any]:
    def merge(dst: Any, *sources: Any) -> Any:
        if not isinstance(dst, dict):
            dst = {}
        for src in sources:
            if isinstance(src, dict):
                _deep_merge(dst, src, overwrite)
        return dst

    return merge


def _deep_merge(dst: dict[Any, Any], src: dict[Any, Any], overwrite: bool) -> None:
    for key, value in src.items():
        if key in dst and isinstance(dst[key], dict) and isinstance(value, dict):
            _deep_merge(dst[key], value, overwrite)
        elif key not in dst or (overwrite and value is not None) or (not overwrite and dst[key] is None):
            dst[key] = copy.deepcopy(value)


def _dict_get(d: Any, key: Any) -> Any:
    value = d.get(str(key)) if isinstance(d, dict) else None
    return "" if value is None else value


def _set(d: Any, key: Any, value: Any) -> Any:
    if isinstance(d, dict):
        d[str(key)] = value
    return d


def _unset(d: Any, key: Any) -> Any:
    if isinstance(d, dict):
        d.pop(str(key), None)
    return d


def _dig_fn(*args: Any) -> Any:
    if len(args) < 2:
        raise ValueError("dig needs keys, a default and a map")
    *keys, default, value = args
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return default
        value = value[key]
    return value


def _index(value: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(value, dict):
            value = value.get(key if key in value else str(key))
        elif isinstance(value, list | tuple | str):
            value = value[int(key)]
        elif value is None:
            return None
        else:
            raise ValueError(f"cannot index {type(value).__name__}")
    return value


def _slice(value: Any, *bounds: Any) -> Any:
    if value is None:
        return None
    start = int(bounds[0]) if bounds else 0
    end = int(bounds[1]) if len(bounds) > 1 else len(value)
    return value[start:end]


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    raise ValueError(f"{type(value).__name__} is not a list")


def _uniq(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in _list(items):
        if item not in out:
            out.append(item)
    return out


def _split_dict(sep: Any, text: Any, n: int = -1) -> dict[str, str]:
    parts = _print(text).split(_print(sep), n - 1 if n > 0 else -1)
    return {f"_{i}": p for i, p in enumerate(parts)}


def _kind(value: Any) -> str:
    if value is None:
        return "invalid"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list | tuple):
        return "slice"
    return "ptr"


def _type(value: Any) -> str:
    return {
        "invalid": "<nil>",
        "map": "map[string]interface {}",
        "slice": "[]interface {}",
        "ptr": "*chart.Object",
    }.get(_kind(value), _kind(value))


def _go_regex(pattern: Any) -> str:
    text = _print(pattern)
    return re.sub(r"\(\?P<", "(?P<", text)


def _go_replacement(repl: Any) -> str:
    text = _print(repl).replace("\\", "\\\\")
    return re.sub(r"\$\{?(\d+)\}?", r"\\g<\1>", text)


def _case_words(text: Any) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", _print(text))
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def _semver_tuple(text: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a version; -1 for a part missing or written as a wildcard."""
    match = re.fullmatch(r"\s*[vV]?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+].*)?\s*", text)
    if not match:
        return None
    major, minor, patch = (int(p) if p and p.isdigit() else -1 for p in match.groups())
    return major, minor, patch


def _semver_term(term: str, version: tuple[int, int, int]) -> bool:
    match = re.fullmatch(r"\s*(>=|<=|!=|==|=>|=<|>|<|=|~>|~|\^)?\s*(.+?)\s*", term)
    if not match:
        raise Unsupported(f"semver constraint {term!r}")
    op = {"=>": ">=", "=<": "<=", "==": "=", "~>": "~"}.get(match.group(1) or "=", match.group(1) or "=")
    bound = _semver_tuple(match.group(2))
    if bound is None:
        raise Unsupported(f"semver constraint {term!r}")
    major, minor, patch = bound
    if major < 0:
        return op != "!="
    low = (major, max(minor, 0), max(patch, 0))
    if op in ("~", "^") or (op == "=" and (minor < 0 or patch < 0)):
        if op == "^" and major > 0:
            high = (major + 1, 0, 0)
        elif op == "^" and minor > 0:
            high = (0, minor + 1, 0)
        elif minor < 0:
            high = (major + 1, 0, 0)
        else:
            high = (major, minor + 1, 0)
        return low <= version < high
    return {
        ">=": version >= low,
        "<=": version <= (major, minor if minor >= 0 else 1 << 30, patch if patch >= 0 else 1 << 30),
        ">": version > (major, minor if minor >= 0 else 1 << 30, patch if patch >= 0 else 1 << 30),
        "<": version < low,
        "!=": version != low,
        "=": version == low,
    }[op]


def semver_compare(constraint: Any, version: Any = None) -> bool:
    """Masterminds-semver constraint checking (``>=1.19-0``, ``~1.2``, ``^2``, ``>1, <3 || =5``)."""
    parsed = _semver_tuple(_print(version))
    if parsed is None:
        raise Unsupported(f"semver version {version!r}")
    for alternative in _print(constraint).split("||"):
        terms = [t for t in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", alternative.strip()) if t]
        if terms and all(_semver_term(t, parsed) for t in terms):
            return True
    return False


def _fail(message: Any = "") -> Any:
    raise Unsupported(f"the chart fails with its defaults: {_print(message)}")


def _unsupported(name: str) -> Callable[..., Any]:
    def fn(*_args: Any) -> Any:
        raise Unsupported(f"function {name!r} is not supported")

    return fn


def _quote(*args: Any) -> str:
    return " ".join(json.dumps(_print(a)) for a in args if a is not None)


def _squote(*args: Any) -> str:
    return " ".join(f"'{_print(a)}'" for a in args if a is not None)


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def fn(a: Any, b: Any) -> bool:
        if isinstance(a, int | float) and isinstance(b, int | float):
            return op(a, b)
        if isinstance(a, str) and isinstance(b, str):
            return op(a, b)
        raise ValueError(f"incompatible types for comparison: {_kind(a)} and {_kind(b)}")

    return fn


def _eq(a: Any, *others: Any) -> bool:
    return any(a == b or (a is None and b == "") or (a == "" and b is None) for b in others)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    # Go built-ins
    "not": lambda v=None: not _truthy(v),
    "eq": _eq,
    "ne": lambda a, b: not _eq(a, b),
    "lt": _compare(lambda a, b: a < b),
    "le": _compare(lambda a, b: a <= b),
    "gt": _compare(lambda a, b: a > b),
    "ge": _compare(lambda a, b: a >= b),
    "len": lambda v=None: 0 if v is None else len(v),
    "index": _index,
    "slice": _slice,
    "print": lambda *a: "".join(_print(x) for x in a),
    "println": lambda *a: " ".join(_print(x) for x in a) + "\n",
    "printf": _printf,
    "html": lambda s: _print(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
    "js": lambda s: json.dumps(_print(s))[1:-1],
    "urlquery": lambda *a: quote_plus("".join(_print(x) for x in a)),
    # flow and defaults
    "default": _default,
    "empty": lambda v=None: not _truthy(v),
    "coalesce": lambda *a: next((x for x in a if _truthy(x)), None),
    "ternary": lambda a, b, cond: a if _truthy(cond) else b,
    "required": lambda _message, value=None: value,
    "fail": _fail,
    "all": lambda *a: all(_truthy(x) for x in a),
    "any": lambda *a: any(_truthy(x) for x in a),
    "lookup": lambda *_a: {},
    # strings
    "quote": _quote,
    "squote": _squote,
    "toString": _print,
    "toStrings": lambda v: [_print(x) for x in _list(v)],
    "trim": lambda s: _print(s).strip(),
    "trimAll": lambda cut, s: _print(s).strip(_print(cut)),
    "trimSuffix": lambda suffix, s: _print(s).removesuffix(_print(suffix)),
    "trimPrefix": lambda prefix, s: _print(s).removeprefix(_print(prefix)),
    "lower": lambda s: _print(s).lower(),
    "upper": lambda s: _print(s).upper(),
    "title": lambda s: _print(s).title(),
    "untitle": lambda s: _print(s)[:1].lower() + _print(s)[1:],
    "repeat": lambda n, s: _print(s) * int(n),
    "substr": lambda start, end, s: _print(s)[int(start) : int(end) if int(end) >= 0 else None],
    "nospace": lambda s: re.sub(r"\s+", "", _print(s)),
    "trunc": lambda n, s: _print(s)[: int(n)] if int(n) >= 0 else _print(s)[int(n) :],
    "abbrev": lambda n, s: _print(s) if len(_print(s)) <= int(n) else _print(s)[: max(int(n) - 3, 0)] + "...",
    "contains": lambda sub, s: _print(sub) in _print(s),
    "hasPrefix": lambda pre, s: _print(s).startswith(_print(pre)),
    "hasSuffix": lambda suf, s: _print(s).endswith(_print(suf)),
    "replace": lambda old, new, s: _print(s).replace(_print(old), _print(new)),
    "cat": lambda *a: " ".join(_print(x) for x in a if x is not None),
    "indent": _indent,
    "nindent": lambda n, text: "\n" + _indent(n, text),
    "snakecase": lambda s: "_".join(w.lower() for w in _case_words(s)),
    "kebabcase": lambda s: "-".join(w.lower() for w in _case_words(s)),
    "camelcase": lambda s: "".join(w[:1].upper() + w[1:] for w in _case_words(s)),
    "plural": lambda one, many, n: one if int(n) == 1 else many,
    "splitList": lambda sep, s: _print(s).split(_print(sep)),
    "split": _split_dict,
    "splitn": lambda sep, n, s: _split_dict(sep, s, int(n)),
    "join": lambda sep, items: _print(sep).join(_print(i) for i in _list(items)),
    "sortAlpha": lambda items: sorted(_print(i) for i in _list(items)),
    "regexMatch": lambda rx, s: re.search(_go_regex(rx), _print(s)) is not None,
    "regexFind": lambda rx, s: m.group(0) if (m := re.search(_go_regex(rx), _print(s))) else "",
    "regexFindAll": lambda rx, s, n: [m.group(0) for m in re.finditer(_go_regex(rx), _print(s))][
        : None if int(n) < 0 else int(n)
    ],
    "regexReplaceAll": lambda rx, s, repl: re.sub(_go_regex(rx), _go_replacement(repl), _print(s)),
    "regexReplaceAllLiteral": lambda rx, s, repl: re.sub(_go_regex(rx), lambda _m: _print(repl), _print(s)),
    "regexSplit": lambda rx, s, n: re.split(_go_regex(rx), _print(s), maxsplit=max(int(n) - 1, 0)),
    "regexQuoteMeta": lambda s: re.escape(_print(s)),
    # encodings and digests
    "b64enc": lambda s: base64.b64encode(_print(s).encode()).decode(),
    "b64dec": lambda s: base64.b64decode(_print(s).encode()).decode(errors="replace"),
    "b32enc": lambda s: base64.b32encode(_print(s).encode()).decode(),
    "b32dec": lambda s: base64.b32decode(_print(s).encode()).decode(errors="replace"),
    "sha1sum": lambda s: hashlib.sha1(_print(s).encode(), usedforsecurity=False).hexdigest(),
    "sha256sum": lambda s: hashlib.sha256(_print(s).encode()).hexdigest(),
    "sha512sum": lambda s: hashlib.sha512(_print(s).encode()).hexdigest(),
    "adler32sum": lambda s: str(zlib.adler32(_print(s).encode())),
    "toYaml": _to_yaml,
    "toYamlPretty": _to_yaml,
    "fromYaml": _from_yaml,
    "fromYamlArray": lambda s: _from_yaml(s) if isinstance(_from_yaml(s), list) else [],
    "toJson": _to_json,
    "toRawJson": _to_json,
    "toPrettyJson": lambda v=None: _to_json(v, indent=2),
    "fromJson": _from_json,
    "fromJsonArray": lambda s: _from_json(s) if isinstance(_from_json(s), list) else [],
    "urlParse": lambda s: {
        "scheme": urlsplit(_print(s)).scheme,
        "host": urlsplit(_print(s)).netloc,
        "hostname": urlsplit(_print(s)).hostname or "",
        "path": urlsplit(_print(s)).path,
        "query": urlsplit(_print(s)).query,
        "fragment": urlsplit(_print(s)).fragment,
        "userinfo": "",
        "opaque": "",
    },
    # numbers
    "int": _to_int,
    "int64": _to_int,
    "atoi": _to_int,
    "float64": _to_float,
    "add": lambda *a: sum(_to_int(x) for x in a),
    "add1": lambda a: _to_int(a) + 1,
    "sub": lambda a, b: _to_int(a) - _to_int(b),
    "mul": lambda *a: math.prod(_to_int(x) for x in a),
    "div": lambda a, b: int(_to_int(a) / _to_int(b)),
    "mod": lambda a, b: _to_int(a) % _to_int(b),
    "max": lambda *a: max(_to_int(x) for x in a),
    "min": lambda *a: min(_to_int(x) for x in a),
    "addf": lambda *a: sum(_to_float(x) for x in a),
    "subf": lambda a, b: _to_float(a) - _to_float(b),
    "mulf": lambda *a: math.prod(_to_float(x) for x in a),
    "divf": lambda a, b: _to_float(a) / _to_float(b),
    "floor": lambda a: float(math.floor(_to_float(a))),
    "ceil": lambda a: float(math.ceil(_to_float(a))),
    "round": lambda a, p=0: round(_to_float(a), _to_int(p)),
    "until": lambda n: list(range(_to_int(n))),
    "untilStep": lambda a, b, s: list(range(_to_int(a), _to_int(b), _to_int(s))),
    "seq": lambda *a: (
        list(range(1, _to_int(a[0]) + 1)) if len(a) == 1 else list(range(_to_int(a[0]), _to_int(a[-1]) + 1))
    ),
    # lists
    "list": lambda *a: list(a),
    "tuple": lambda *a: list(a),
    "first": lambda v: _list(v)[0] if _list(v) else None,
    "last": lambda v: _list(v)[-1] if _list(v) else None,
    "rest": lambda v: _list(v)[1:],
    "initial": lambda v: _list(v)[:-1],
    "append": lambda v, x: [*_list(v), x],
    "push": lambda v, x: [*_list(v), x],
    "prepend": lambda v, x: [x, *_list(v)],
    "concat": lambda *a: [x for v in a for x in _list(v)],
    "reverse": lambda v: _list(v)[::-1],
    "uniq": _uniq,
    "without": lambda v, *x: [i for i in _list(v) if i not in x],
    "has": lambda x, v: x in _list(v),
    "compact": lambda v: [i for i in _list(v) if _truthy(i)],
    "chunk": lambda n, v: [_list(v)[i : i + _to_int(n)] for i in range(0, len(_list(v)), max(_to_int(n), 1))],
    # dictionaries
    "dict": lambda *a: {_print(a[i]): a[i + 1] if i + 1 < len(a) else "" for i in range(0, len(a), 2)},
    "get": _dict_get,
    "set": _set,
    "unset": _unset,
    "hasKey": lambda d, k: isinstance(d, dict) and k in d,
    "pluck": lambda k, *ds: [d[k] for d in ds if isinstance(d, dict) and k in d],
    "dig": _dig_fn,
    "keys": lambda *ds: sorted(str(k) for d in ds if isinstance(d, dict) for k in d),
    "values": lambda d: [d[k] for k in sorted(d, key=str)] if isinstance(d, dict) else [],
    "pick": lambda d, *k: {x: d[x] for x in k if isinstance(d, dict) and x in d},
    "omit": lambda d, *k: {x: v for x, v in (d or {}).items() if x not in k},
    "merge": _merge(False),
    "mergeOverwrite": _merge(True),
    "deepCopy": copy.deepcopy,
    "deepEqual": lambda a, b: a == b,
    # types
    "kindOf": _kind,
    "kindIs": lambda kind, v: _kind(v) == kind,
    "typeOf": _type,
    "typeIs": lambda t, v: _type(v) == t,
    "typeIsLike": lambda t, v: _type(v) == t.lstrip("*"),
    # versions
    "semverCompare": semver_compare,
    "semver": lambda v: dict(
        zip(("Major", "Minor", "Patch"), _semver_tuple(_print(v)) or (0, 0, 0), strict=True)
    ),
    # time and randomness: fixed placeholders (helm template would draw them at random)
    "now": lambda: "1970-01-01T00:00:00Z",
    "date": lambda _fmt, _t=None: "1970-01-01",
    "dateInZone": lambda _fmt, _t, _z: "1970-01-01",
    "htmlDate": lambda _t=None: "1970-01-01",
    "unixEpoch": lambda _t=None: "0",
    "toDate": lambda _fmt, _s: "1970-01-01T00:00:00Z",
    "duration": lambda s: f"{_to_int(s)}s",
    "randAlphaNum": lambda n: "x" * _to_int(n),
    "randAlpha": lambda n: "x" * _to_int(n),
    "randNumeric": lambda n: "0" * _to_int(n),
    "randAscii": lambda n: "x" * _to_int(n),
    "uuidv4": lambda: "00000000-0000-4000-8000-000000000000",
    "shuffle": lambda s: _print(s),
}
"""The functions the renderer implements (Go's and Sprig's of the same name)."""

for _name in ("mustAppend", "mustPush", "mustPrepend", "mustFirst", "mustLast", "mustRest", "mustInitial",
              "mustReverse", "mustUniq", "mustWithout", "mustHas", "mustCompact", "mustSlice", "mustChunk",
              "mustMerge", "mustMergeOverwrite", "mustDeepCopy", "mustToJson", "mustToRawJson",
              "mustToPrettyJson", "mustFromJson", "mustRegexMatch", "mustRegexFind", "mustRegexFindAll",
              "mustRegexReplaceAll", "mustRegexReplaceAllLiteral", "mustRegexSplit", "mustToDate",
              "mustDateModify"):  # fmt: skip
    _base = _name[4].lower() + _name[5:]
    if _base in FUNCTIONS:
        FUNCTIONS[_name] = FUNCTIONS[_base]
for _name in ("genCA", "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey", "genSignedCert",
              "genSignedCertWithKey", "genPrivateKey", "derivePassword", "buildCustomCert", "encryptAES",
              "decryptAES", "htpasswd", "bcrypt", "getHostByName", "call", "env", "expandenv"):  # fmt: skip
    FUNCTIONS[_name] = _unsupported(_name)


# ---- the data Helm gives a template ----------------------------------------------------------


def capabilities() -> HelmObject:
    """``.Capabilities`` of ``helm template`` without a cluster: a default Kubernetes and its APIs."""
    major, minor = KUBE_VERSION.lstrip("v").split(".")[:2]

    def has(name: Any = None) -> bool:
        text = _print(name)
        return any(text == api or text.startswith(api + "/") for api in _BUILTIN_APIS)

    kube = {"Version": KUBE_VERSION, "GitVersion": KUBE_VERSION, "Major": major, "Minor": minor}
    return HelmObject(
        KubeVersion=kube,
        APIVersions=HelmObject(Has=has),
        HelmVersion={"Version": "v3.14.0", "GitCommit": "", "GoVersion": "go1.21"},
    )


def files(contents: Callable[[str], str | None], listing: Callable[[], list[str]]) -> HelmObject:
    """``.Files``: the chart's non-template files by path (read through ``contents``; ``listing``
    names them, and is only called when a template globs)."""
    cache: list[list[str]] = []

    def names() -> list[str]:
        if not cache:
            cache.append(listing())
        return cache[0]

    def get(name: Any = None) -> str:
        path = _print(name)
        if not path or path.startswith("/") or ".." in path.split("/"):
            return ""
        return contents(path) or ""

    def glob(pattern: Any = None) -> HelmObject:
        chosen = [n for n in names() if fnmatch.fnmatchcase(n, _print(pattern))]
        return files(contents, lambda: chosen)

    def as_config() -> str:
        return _to_yaml({n.rsplit("/", 1)[-1]: get(n) for n in names()}) if names() else ""

    def as_secrets() -> str:
        encoded = {n.rsplit("/", 1)[-1]: base64.b64encode(get(n).encode()).decode() for n in names()}
        return _to_yaml(encoded) if names() else ""

    return HelmObject(
        Get=get,
        GetBytes=get,
        Glob=glob,
        AsConfig=as_config,
        AsSecrets=as_secrets,
        Lines=lambda name=None: get(name).splitlines(),
    )
