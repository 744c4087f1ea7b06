"""TorchScript code files (``code/**/*.py`` of a scripted model): parsed with ``ast`` (never run)
and searched for Python that reaches the operating system, and for custom op namespaces."""

from __future__ import annotations

import ast

from aispm.artifacts.callables import DANGEROUS, classify
from aispm.artifacts.context import Outcome
from aispm.core.model import Severity

_STANDARD_OP_NAMESPACES = frozenset(
    {"aten", "prim", "quantized", "_caffe2", "profiler", "_quantized", "prepacked"}
)
_BARE_BUILTINS = frozenset({"eval", "exec", "compile", "__import__", "open", "globals", "breakpoint"})


def _dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def scan_code(text: str, member: str, out: Outcome) -> None:
    """Add issues for dangerous calls and custom ops in one TorchScript code file."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        out.add("header_invalid", Severity.LOW, "TorchScript code does not parse as Python", member=member)
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names]
            module = node.module if isinstance(node, ast.ImportFrom) else None
            out.add(
                "dangerous_call",
                Severity.HIGH,
                f"import in TorchScript code: {module or ', '.join(names)}",
                callable=module or names[0],
                member=member,
                offset=node.lineno,
            )
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name is None:
            continue
        line = ast.get_source_segment(text, node) or name
        parts = name.split(".")
        if parts[0] == "ops" and len(parts) > 2 and parts[1] not in _STANDARD_OP_NAMESPACES:
            out.add(
                "custom_op_domain",
                Severity.MEDIUM,
                f"custom TorchScript op {name}",
                callable=name,
                member=member,
                offset=node.lineno,
            )
            continue
        qualified = f"builtins.{name}" if name in _BARE_BUILTINS else name
        verdict = classify(qualified)
        if verdict.kind == DANGEROUS and (name in _BARE_BUILTINS or len(parts) > 1):
            out.add(
                "dangerous_call",
                verdict.severity or Severity.HIGH,
                line[:200],
                callable=qualified,
                member=member,
                offset=node.lineno,
            )
