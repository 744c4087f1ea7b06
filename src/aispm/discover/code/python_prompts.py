"""System prompts passed in code: message dicts and tuples, ``system=``-like keywords of AI
calls and message constructors (``SystemMessage``).  Which roles, keywords and constructors
count is data (``code_prompts.yaml``)."""

from __future__ import annotations

import ast

from aispm.discover.code.python_context import Context
from aispm.discover.code.python_resolve import Scope


class PromptTracker:
    """Collects system prompt texts of one file."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.config = ctx.data.prompts

    def on_dict(self, node: ast.Dict, scope: Scope) -> None:
        """``{"role": "system", "content": ...}`` (content a string or a list of text blocks)."""
        fields = _constant_keys(node)
        role = fields.get("role")
        content = fields.get("content")
        if role is None or content is None:
            return
        role_value = self.ctx.resolver.literal(role, scope)
        if role_value is not None and role_value.value in self.config.roles:
            self._add(content, scope, node)

    def on_sequence(self, node: ast.List | ast.Tuple, scope: Scope) -> None:
        """``[("system", "..."), ("human", "{question}")]`` as LangChain takes them."""
        for element in node.elts:
            if isinstance(element, ast.Tuple) and len(element.elts) == 2:
                role = element.elts[0]
                if isinstance(role, ast.Constant) and role.value in self.config.roles:
                    self._add(element.elts[1], scope, element)

    def on_call(self, call: ast.Call, name: str | None, has_entry: bool, scope: Scope) -> None:
        """``system=`` / ``instructions=`` / ``backstory=`` ... and ``SystemMessage(...)``."""
        if has_entry:
            for kw in call.keywords:
                if kw.arg in self.config.keywords:
                    self._add(kw.value, scope, kw.value)
        for globs, spec in self.ctx.data.prompt_calls:
            if globs(name):
                expr = spec.pick(call)
                if expr is not None:
                    self._add(expr, scope, call)
                return

    def on_assign(self, target: ast.expr, value: ast.expr | None, scope: Scope) -> None:
        """``SYSTEM_PROMPT = "..."`` (also a class attribute or ``self.system_prompt``): a
        variable named as a system prompt holds one, wherever the file passes it on."""
        if isinstance(target, ast.Name):
            name, bound = target.id, scope.values.get(target.id)
        elif isinstance(target, ast.Attribute):
            name, bound = target.attr, scope.module.values.get(f"self.{target.attr}")
        else:
            return
        # `bound is value`: a plain binding, not `+=` or a loop variable
        if value is None or bound is not value or not self.ctx.data.prompt_variables.search(name):
            return
        if isinstance(value, ast.Constant | ast.JoinedStr | ast.BinOp | ast.Call):
            self._add(value, scope, target)

    def _add(self, expr: ast.expr, scope: Scope, at: ast.AST) -> None:
        text = self._text(expr, scope)
        if text and text.strip():
            entry = (text, self.ctx.line(at))
            if all(existing[0] != text for existing in self.ctx.found.prompts):
                self.ctx.found.prompts.append(entry)

    def _text(self, expr: ast.expr, scope: Scope) -> str | None:
        text = self.ctx.resolver.text(expr, scope)
        if text is not None:
            return text
        node, owner = self.ctx.resolver.value(expr, scope)
        if isinstance(node, ast.List | ast.Tuple):  # content blocks: [{"type": "text", "text": ...}]
            pieces = []
            for element in node.elts:
                if isinstance(element, ast.Dict):
                    block = _constant_keys(element).get("text")
                    piece = self.ctx.resolver.text(block, owner) if block is not None else None
                    if piece:
                        pieces.append(piece)
            return "\n".join(pieces) if pieces else None
        return None


def _constant_keys(node: ast.Dict) -> dict[str, ast.expr]:
    return {
        key.value: value
        for key, value in zip(node.keys, node.values, strict=True)
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    }
