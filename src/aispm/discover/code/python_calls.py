"""Notable calls (the watch list of ``code_calls.yaml``) and model files loaded by literal path.

A recorded call keeps its arguments as literal values or as ``"<source text>"`` so posture rules
can check ``trust_remote_code=True``, a missing ``weights_only=True`` or an unpinned ``revision``
(the exact structure is documented in the YAML file).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

from aispm.core.redact import redact
from aispm.detect.scrub import scrub_secrets
from aispm.discover.code.python_context import Context
from aispm.discover.code.python_resolve import Ref, Scope

MAX_SOURCE_CHARS = 120


class CallRecorder:
    """Records watched calls and ``file --loads--> model file`` for one file."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.config = ctx.data.calls
        self._root = ctx.file.root.resolve()

    def on_call(self, call: ast.Call, name: str, ref: Ref, scope: Scope) -> None:
        watched = self.config.functions.get(name)
        by_suffix = ref.entry is not None and name.rsplit(".", 1)[-1] in self.config.suffixes
        if watched is not None or by_suffix:
            self.ctx.found.calls.append(self.describe(call, name, scope))
            if by_suffix or (watched is not None and watched.ai):
                self.ctx.found.ai_calls = True
        loader = self.config.model_loaders.get(name)
        if loader is not None:
            self.load(loader.pick(call), call, name, scope)

    def describe(self, call: ast.Call, name: str, scope: Scope) -> dict[str, Any]:
        """The documented ``calls`` item of one call."""
        args = [self._value(a, scope, None) for a in call.args]
        keywords: dict[str, Any] = {}
        for kw in call.keywords:
            if kw.arg is None:
                keywords["**"] = _source(kw.value)
            else:
                keywords[kw.arg] = self._value(kw.value, scope, kw.arg)
        return {"function": name, "line": self.ctx.line(call), "args": args, "keywords": keywords}

    def _value(self, expr: ast.expr, scope: Scope, keyword: str | None) -> Any:
        if isinstance(expr, ast.Starred):
            return "<*" + _source(expr.value)[1:]
        literal = self.ctx.resolver.literal(expr, scope)
        if literal is None:
            return _source(expr)
        if isinstance(literal.value, str):
            if keyword is not None and keyword.lower() in self.config.secret_keywords and literal.value:
                return redact(literal.value)
            return scrub_secrets(literal.value)[0]
        return literal.value

    def load(self, expr: ast.expr | None, call: ast.Call, name: str, scope: Scope) -> None:
        """Add a loads edge when ``expr`` is a literal path to a file under the scan root."""
        path = self.path(expr, scope) if expr is not None else None
        if path is None:
            return
        rel = self._existing(path)
        if rel is not None:
            entry = (rel, self.ctx.line(call), name)
            if entry not in self.ctx.found.loads:
                self.ctx.found.loads.append(entry)

    def path(self, expr: ast.expr, scope: Scope) -> str | None:
        """A literal path: ``"m.pt"``, ``open("m.pkl", "rb")``, ``f`` bound by ``with open(...)``,
        ``os.path.join("a", "b")``, ``Path("a") / "b"``."""
        literal = self.ctx.resolver.string(expr, scope)
        if literal is not None:
            return str(literal.value)
        node, owner = self.ctx.resolver.value(expr, scope)
        if isinstance(node, ast.Call) and node.args:
            ref = self.ctx.resolver.ref(node.func, owner)
            callee = ref.name if ref else None
            if callee in ("open", "io.open", "pathlib.Path", "pathlib.PurePath", "os.path.join"):
                parts = (
                    [self.path(a, owner) for a in node.args]
                    if callee == "os.path.join"
                    else [self.path(node.args[0], owner)]
                )
                if all(parts):
                    return "/".join(p for p in parts if p)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            left, right = self.path(node.left, owner), self.path(node.right, owner)
            if left and right:
                return f"{left}/{right}"
        return None

    def _existing(self, path: str) -> str | None:
        if not path or "\x00" in path or os.path.isabs(path) or path.startswith("~"):
            return None
        for base in (self._root, self.ctx.file.path.parent):
            try:
                candidate = (base / path).resolve()
            except (OSError, RuntimeError, ValueError):
                continue
            if candidate.is_relative_to(self._root) and candidate != self._root and candidate.exists():
                return Path(os.path.relpath(candidate, self._root)).as_posix()
        return None


def _source(expr: ast.expr) -> str:
    """Source text in angle brackets, secrets redacted before it is cut to length."""
    return "<" + scrub_secrets(ast.unparse(expr))[0][:MAX_SOURCE_CHARS] + ">"
