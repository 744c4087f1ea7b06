"""Tool calls the policy does not allow, in OpenAI ``tool_calls`` and Anthropic ``tool_use`` blocks."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from aispm.detect.base import Detection


def tool_names(payload: Any) -> list[str]:
    """Names of the tools called in an OpenAI or Anthropic message, response or content list."""
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if node.get("type") in ("tool_use", "server_tool_use") and isinstance(node.get("name"), str):
                names.append(node["name"])
            function = node.get("function")
            if node.get("type") == "function" and isinstance(function, Mapping) and "name" in function:
                names.append(str(function["name"]))
            elif node.get("type") == "function_call" and isinstance(node.get("name"), str):
                names.append(node["name"])  # Responses API
            for value in node.values():
                if isinstance(value, (Mapping, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload)
    return names


class ToolCallPolicy:
    """Allowed tool names (empty: any not denied) and denied glob patterns (``shell*``, ``*delete*``)."""

    name = "tool_call"

    def __init__(self, allowed: Iterable[str] = (), denied_patterns: Iterable[str] = ()) -> None:
        self.allowed = frozenset(allowed)
        self.denied_patterns = tuple(denied_patterns)
        self._denied = [re.compile(fnmatch.translate(p), re.IGNORECASE) for p in self.denied_patterns]

    def verdict(self, tool: str) -> str | None:
        """Why ``tool`` is not allowed (``denied`` / ``not_allowed``), or None."""
        if any(p.match(tool) for p in self._denied):
            return "denied"
        if self.allowed and tool not in self.allowed:
            return "not_allowed"
        return None

    def check(self, tools: Iterable[str]) -> list[Detection]:
        """One ``tool_not_allowed`` detection per called tool the policy refuses (span 0:0)."""
        found = []
        for index, tool in enumerate(tools):
            reason = self.verdict(tool)
            if reason:
                found.append(
                    Detection(
                        self.name,
                        "tool_not_allowed",
                        0,
                        0,
                        1.0,
                        f"[tool {tool}]",
                        {"tool": tool, "index": index, "reason": reason},
                    )
                )
        return found

    def check_payload(self, payload: Any) -> list[Detection]:
        """:meth:`check` over the tool calls of an OpenAI or Anthropic payload."""
        return self.check(tool_names(payload))

    def detect(self, text: str) -> list[Detection]:
        """Tool calls in ``text`` when it is a JSON message or response; other text has none."""
        stripped = text.lstrip()
        if not stripped.startswith(("{", "[")) or ("tool" not in text and "function" not in text):
            return []
        try:
            payload = json.loads(text)
        except ValueError:
            return []
        return self.check_payload(payload)
