"""Evaluate the values python-hcl2 produces: literals, templates and a safe subset of expressions.

python-hcl2 keeps string literals in their quotes (``'"text"'``) and gives every other
expression as ``'${...}'`` text.  This module turns them into JSON values: quoted strings are
unescaped and their ``${...}`` interpolations substituted; references (``var.x``, ``local.y``,
``aws_iam_role.r.arn``, ``data.aws_iam_policy_document.d.json``) are looked up through a
resolver; ``jsonencode``, ``tostring``, ``lower``, ``upper``, ``trimspace``, ``toset``,
``tolist``, ``tomap``, ``length``, ``==`` / ``!=`` and object, list and conditional literals are
evaluated; iteration variables (``each``, ``count``, a ``dynamic`` iterator) are the resolver's
business (see ``terraform.py``).  Nothing is executed: anything else stays as its ``${...}``
source text, and every resource reference seen is recorded so relationships can be drawn even
when the value itself is unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from aispm.core.model import JSON

MISSING: Any = object()
"""Returned by a resolver for a reference it cannot evaluate."""

Resolver = Callable[[str], JSON]
"""Looks up a reference path (``var.x``, ``aws_iam_role.r.arn``); returns :data:`MISSING` if unknown."""

_REF = re.compile(r"^(?:data\.)?[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*|\[\d+\]|\[\"[^\"]*\"\])+$")
_RESOURCE_REF = re.compile(
    r"(?<![\w.])((?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][\w-]*(?:\[(?:\d+|\"[^\"]*\")\])?)"
)
_NOT_RESOURCE = ("var.", "local.", "module.", "each.", "count.", "path.", "self.", "terraform.")
_INTERP = re.compile(r"\$\{")


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


class Evaluator:
    """Evaluates python-hcl2 values against a resolver, collecting the resources referred to."""

    def __init__(self, resolve: Resolver, depth: int = 0) -> None:
        self._resolve = resolve
        self.refs: list[str] = []
        self._depth = depth

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
            return self._template(raw[1:-1])
        if raw.startswith("${") and raw.endswith("}"):
            return self.expression(raw[2:-1].strip())
        return raw

    def _template(self, body: str) -> JSON:
        if body.startswith("<<"):
            first, _, rest = body.partition("\n")
            marker = first.lstrip("<-").strip()
            body = rest[: rest.rfind(marker)] if marker and marker in rest else rest
            return self._interpolate(body)
        return self._interpolate(_unescape(body))

    def _interpolate(self, text: str) -> JSON:
        if "${" not in text:
            return text
        parts: list[str] = []
        pos = 0
        for match in _INTERP.finditer(text):
            start = match.start()
            if start < pos:
                continue
            if start > 0 and text[start - 1] == "$":  # $${ escapes interpolation
                continue
            end = _matching_brace(text, start + 1)
            if end < 0:
                break
            expr = text[start + 2 : end].strip()
            value = self.expression(expr)
            if start == 0 and end == len(text) - 1:
                return value  # a template that is one interpolation keeps the value's type
            parts.append(text[pos:start])
            parts.append(_as_text(value))
            pos = end + 1
        parts.append(text[pos:])
        return "".join(parts)

    def expression(self, expr: str) -> JSON:
        """The value of one HCL expression, or its ``${...}`` text when it cannot be evaluated."""
        for ref in resource_refs(expr):
            if ref not in self.refs:
                self.refs.append(ref)
        if self._depth > 20:
            return "${" + expr + "}"
        text = expr.strip()
        literal = _literal(text)
        if literal is not MISSING:
            return literal
        if _REF.match(text):
            found = self._resolve(text)
            return "${" + text + "}" if found is MISSING else found
        call = re.match(
            r"^(jsonencode|tostring|lower|upper|trimspace|toset|tolist|tomap|length)\((.*)\)$", text, re.S
        )
        if call:
            return self._call(call.group(1), call.group(2), expr)
        if text.startswith(("{", "[")):
            parsed = _parse_value(text)
            if parsed is not MISSING:
                return self._nested(parsed)
        cond = _split_conditional(text)
        if cond:
            test = self._nested_expr(cond[0])
            if isinstance(test, bool):
                return self._nested_expr(cond[1] if test else cond[2])
            return "${" + expr + "}"
        compare = _split_comparison(text)
        if compare:
            left, op, right = self._nested_expr(compare[0]), compare[1], self._nested_expr(compare[2])
            if not _unknown(left) and not _unknown(right):
                return (left == right) if op == "==" else (left != right)
        return "${" + expr + "}"

    def _call(self, name: str, arg: str, expr: str) -> JSON:
        value = self._nested_expr(arg)
        if isinstance(value, str) and value.startswith("${") and name != "jsonencode":
            return "${" + expr + "}"
        if name == "jsonencode":
            return json.dumps(value, separators=(",", ":"))
        if name in _COLLECTIONS:
            return _collection(name, value, expr)
        if not isinstance(value, str | int | float | bool):
            return "${" + expr + "}"
        text = str(value).lower() if isinstance(value, bool) else str(value)
        return {"tostring": text, "lower": text.lower(), "upper": text.upper(), "trimspace": text.strip()}[
            name
        ]

    def _nested(self, raw: Any) -> JSON:
        inner = Evaluator(self._resolve, self._depth + 1)
        value = inner.value(raw)
        self.refs.extend(r for r in inner.refs if r not in self.refs)
        return value

    def _nested_expr(self, text: str) -> JSON:
        inner = Evaluator(self._resolve, self._depth + 1)
        value = inner.expression(text)
        self.refs.extend(r for r in inner.refs if r not in self.refs)
        return value


_COLLECTIONS = ("toset", "tolist", "tomap", "length")


def _collection(name: str, value: JSON, expr: str) -> JSON:
    """``toset`` / ``tolist`` / ``tomap`` / ``length`` of a known value (sets of strings sorted)."""
    if name == "length" and isinstance(value, list | dict | str):
        return len(value)
    if name == "toset" and isinstance(value, list):
        unique = list({json.dumps(v, sort_keys=True): v for v in value}.values())
        return sorted(unique) if all(isinstance(v, str) for v in unique) else unique
    if (name == "tolist" and isinstance(value, list)) or (name == "tomap" and isinstance(value, dict)):
        return value
    return "${" + expr + "}"


def _literal(text: str) -> Any:
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    if (
        len(text) >= 2
        and text[0] == '"'
        and text[-1] == '"'
        and '"' not in _unescape(text[1:-1]).replace('\\"', "")
    ):
        return MISSING if "${" in text else _unescape(text[1:-1])
    return MISSING


def _parse_value(text: str) -> Any:
    """An object or list literal parsed by python-hcl2 (``v = <text>``)."""
    import hcl2

    try:
        parsed = hcl2.loads(f"v = {text}\n")
    except Exception:  # python-hcl2 raises lark errors of several types
        return MISSING
    return parsed.get("v", MISSING)


def _split_conditional(text: str) -> tuple[str, str, str] | None:
    depth = 0
    quote = False
    q = c = -1
    for i, ch in enumerate(text):
        if ch == '"' and (i == 0 or text[i - 1] != "\\"):
            quote = not quote
        if quote:
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch == "?" and q < 0:
            q = i
        elif depth == 0 and ch == ":" and q >= 0:
            c = i
            break
    if q < 0 or c < 0:
        return None
    return text[:q].strip(), text[q + 1 : c].strip(), text[c + 1 :].strip()


def _split_comparison(text: str) -> tuple[str, str, str] | None:
    """``left == right`` / ``left != right`` at the top level of an expression."""
    depth = 0
    quote = False
    for i, ch in enumerate(text):
        if ch == '"' and (i == 0 or text[i - 1] != "\\"):
            quote = not quote
        if quote:
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and text[i : i + 2] in ("==", "!="):
            return text[:i].strip(), text[i : i + 2], text[i + 2 :].strip()
    return None


def _unknown(value: JSON) -> bool:
    """A value still holding unevaluated ``${...}`` text."""
    return "${" in value if isinstance(value, str) else "${" in json.dumps(value)


def _matching_brace(text: str, open_at: int) -> int:
    depth = 0
    quote = False
    for i in range(open_at, len(text)):
        ch = text[i]
        if ch == '"' and text[i - 1] != "\\":
            quote = not quote
        elif not quote and ch == "{":
            depth += 1
        elif not quote and ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    return re.sub(
        r"\\([\\\"nrt])", lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m.group(1), m.group(1)), body
    )


def _unquote_key(key: object) -> str:
    text = str(key)
    return text[1:-1] if len(text) >= 2 and text[0] == '"' and text[-1] == '"' else text


def _as_text(value: JSON) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return "" if value is None else str(value)
