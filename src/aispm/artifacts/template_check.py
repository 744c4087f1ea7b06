"""Jinja chat templates (GGUF metadata, tokenizer_config.json): find expressions that reach
Python internals (server-side template injection gadgets).  The template is parsed by Jinja's
parser into a syntax tree; it is never rendered."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2
from jinja2 import nodes

from aispm.artifacts.context import Outcome
from aispm.artifacts.sniff import formats_config
from aispm.core.model import Severity

_MAX_TEMPLATE = 1024 * 1024


@cache
def _gadgets() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    data = formats_config()["template_gadgets"]
    return frozenset(data["attributes"]), frozenset(data["names"]), frozenset(data["filters"])


def _const_text(node: nodes.Node) -> str | None:
    """The value of a constant string expression, folding ``+`` and ``~`` concatenation."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    if isinstance(node, nodes.Add | nodes.Concat):
        parts = [node.left, node.right] if isinstance(node, nodes.Add) else list(node.nodes)
        texts = [_const_text(p) for p in parts]
        return "".join(t for t in texts if t is not None) if all(t is not None for t in texts) else None
    return None


def check_template(source: str, out: Outcome, where: str, member: str | None = None) -> None:
    """Add a ``template_code`` issue for each gadget found in ``source``."""
    if len(source) > _MAX_TEMPLATE:
        out.add(
            "limit",
            Severity.MEDIUM,
            f"{where}: template longer than {_MAX_TEMPLATE:,} characters not checked",
            member=member,
        )
        return
    attrs, names, filters = _gadgets()
    try:
        tree = jinja2.Environment(extensions=["jinja2.ext.loopcontrols"]).parse(source)
    except (jinja2.TemplateSyntaxError, RecursionError, ValueError) as exc:
        hits = sorted({a for a in attrs if a.startswith("__") and a in source})
        if hits:
            out.add(
                "template_code",
                Severity.HIGH,
                f"{where}: unparsable template naming {', '.join(hits)}",
                member=member,
            )
        out.metadata["template_error"] = str(exc)[:200]
        return
    found: list[str] = []
    lines = source.splitlines()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Name, nodes.Filter, nodes.Call)):
        hit = _gadget(node, attrs, names, filters)
        if hit:
            line = lines[node.lineno - 1].strip() if 0 < node.lineno <= len(lines) else ""
            found.append(f"{hit} in {line[:160]!r}")
    for hit in dict.fromkeys(found):
        out.add("template_code", Severity.CRITICAL, f"{where}: {hit}", member=member)


def _gadget(node: Any, attrs: frozenset[str], names: frozenset[str], filters: frozenset[str]) -> str | None:
    if isinstance(node, nodes.Getattr) and (node.attr in attrs or re.fullmatch(r"__\w+__", node.attr)):
        return f"attribute access .{node.attr}"
    if isinstance(node, nodes.Getitem):
        key = _const_text(node.arg)
        if key is not None and (key in attrs or re.fullmatch(r"__\w+__", key)):
            return f"item access [{key!r}]"
    if isinstance(node, nodes.Name) and node.ctx == "load" and node.name in names:
        return f"reference to {node.name}"
    if isinstance(node, nodes.Filter) and node.name in filters:
        arg = _const_text(node.args[0]) if node.args else None
        return f"filter {node.name}({arg!r})" if arg is None or arg.startswith("_") or arg in attrs else None
    if isinstance(node, nodes.Filter | nodes.Call):
        for kw in getattr(node, "kwargs", []):
            value = _const_text(kw.value)
            if kw.key == "attribute" and value and value.startswith("__"):
                return f"attribute={value!r}"
    return None
