"""IAM policy documents as data: statements, and the wildcard matching of actions and resources.

Pure functions, no AWS calls.  Matching follows the IAM policy reference:

- actions are matched case-insensitively, ``*`` is any run of characters and ``?`` one character;
- resources (ARNs) are matched case-sensitively; a wildcard stays inside one colon-separated segment
  of the ARN, except a ``*`` that ends a segment, which may run past colons; a lone ``*`` is every
  resource;
- policy variables (``${aws:username}``) are matched as ``*`` and make the statement conditional,
  because their value depends on the request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import unquote

_VARIABLE = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a policy document, normalised (single values become tuples)."""

    effect: str
    """``Allow`` or ``Deny``."""
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] | None = None
    """Set when the statement uses NotAction (then ``actions`` is empty)."""
    resources: tuple[str, ...] = ("*",)
    not_resources: tuple[str, ...] | None = None
    conditions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """``{operator: {key: value(s)}}`` as written."""
    principals: Mapping[str, tuple[str, ...]] | None = None
    """``{"AWS": (...), "Service": (...), "Federated": (...)}``; ``{"*": ("*",)}`` for ``"*"``."""
    not_principals: Mapping[str, tuple[str, ...]] | None = None
    sid: str = ""
    source: str = ""
    """Which policy it came from (``inline:Name``, ``arn:aws:iam::aws:policy/...``)."""

    @property
    def allow(self) -> bool:
        return self.effect.lower() == "allow"

    @property
    def conditional(self) -> bool:
        """True when it applies only to some requests: a Condition, or a policy variable."""
        if self.conditions:
            return True
        return any(_VARIABLE.search(r) for r in (self.not_resources or self.resources))

    @property
    def label(self) -> str:
        """``source#sid`` (or ``source#<index-free>``), for evidence."""
        return f"{self.source}#{self.sid}" if self.sid else self.source

    def condition_keys(self) -> set[str]:
        """Every condition key used, lower-cased (``sts:externalid`` ...)."""
        return {str(key).lower() for block in self.conditions.values() for key in block}

    def condition_values(self, key: str) -> list[str]:
        """Values given for a condition key under any operator (lower-cased key compare)."""
        found: list[str] = []
        for block in self.conditions.values():
            for name, value in block.items():
                if str(name).lower() == key.lower():
                    found.extend(str(v) for v in _tuple(value))
        return found

    def matches_action(self, action: str) -> bool:
        if self.not_actions is not None:
            return not any(action_matches(p, action) for p in self.not_actions)
        return any(action_matches(p, action) for p in self.actions)

    def matches_resource(self, resource: str) -> bool:
        if self.not_resources is not None:
            return not any(resource_matches(p, resource) for p in self.not_resources)
        return any(resource_matches(p, resource) for p in self.resources)

    def to_json(self) -> dict[str, Any]:
        return {"effect": self.effect, "sid": self.sid, "source": self.source}


def load_document(document: Any) -> dict[str, Any] | None:
    """A policy document as a dict: accepts a dict, a JSON string or a URL-encoded JSON string."""
    if isinstance(document, Mapping):
        return dict(document)
    if isinstance(document, str):
        text = document.strip()
        if text.startswith("%7B") or text.startswith("%7b"):
            text = unquote(text)
        try:
            parsed = json.loads(text)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def parse_statements(document: Any, source: str = "") -> list[Statement]:
    """The statements of a policy document; malformed entries are skipped."""
    doc = load_document(document)
    if doc is None:
        return []
    raw = doc.get("Statement")
    items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    out = []
    for item in items:
        if isinstance(item, dict):
            statement = _statement(item, source)
            if statement is not None:
                out.append(statement)
    return out


def _statement(item: Mapping[str, Any], source: str) -> Statement | None:
    effect = str(item.get("Effect") or "")
    if effect.lower() not in ("allow", "deny"):
        return None
    not_actions = _tuple(item["NotAction"]) if "NotAction" in item else None
    not_resources = _tuple(item["NotResource"]) if "NotResource" in item else None
    resources = _tuple(item["Resource"]) if "Resource" in item else ("*",)
    conditions = item.get("Condition")
    return Statement(
        effect="Allow" if effect.lower() == "allow" else "Deny",
        actions=() if not_actions is not None else _tuple(item.get("Action")),
        not_actions=not_actions,
        resources=() if not_resources is not None else resources,
        not_resources=not_resources,
        conditions=_conditions(conditions),
        principals=_principals(item["Principal"]) if "Principal" in item else None,
        not_principals=_principals(item["NotPrincipal"]) if "NotPrincipal" in item else None,
        sid=str(item.get("Sid") or ""),
        source=source,
    )


def _conditions(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, Mapping):
        return {}
    return {str(op): dict(block) for op, block in value.items() if isinstance(block, Mapping)}


def _principals(value: Any) -> dict[str, tuple[str, ...]]:
    if value == "*":
        return {"*": ("*",)}
    if isinstance(value, Mapping):
        return {str(k): _tuple(v) for k, v in value.items()}
    return {}


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


# ---- matching ------------------------------------------------------------------------------------


def action_matches(pattern: str, action: str) -> bool:
    """Does an Action pattern (``bedrock:Invoke*``) cover ``action``?  Case-insensitive."""
    return _action_regex(pattern.lower()).fullmatch(action.lower()) is not None


def resource_matches(pattern: str, resource: str) -> bool:
    """Does a Resource pattern cover ``resource`` (an ARN, or a pattern treated as literal text)?"""
    if pattern == "*":
        return True
    return _resource_regex(pattern).fullmatch(resource) is not None


@cache
def _action_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


@cache
def _resource_regex(pattern: str) -> re.Pattern[str]:
    pattern = _VARIABLE.sub("*", pattern)
    parts = []
    for index, char in enumerate(pattern):
        if char == "*":
            ends_segment = index + 1 == len(pattern) or pattern[index + 1] == ":"
            parts.append(".*" if ends_segment else "[^:]*")
        elif char == "?":
            parts.append("[^:]")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts))


def service_of(action: str) -> str:
    """``bedrock`` of ``bedrock:InvokeModel`` (lower case)."""
    return action.split(":", 1)[0].lower()


def iter_documents(properties: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """``(source, document)`` of every identity policy of an IAM role or user asset."""
    for entry in _list(properties.get("attached_policies")):
        if isinstance(entry, Mapping):
            name = entry.get("PolicyArn") or entry.get("PolicyName") or "attached"
            yield str(name), entry.get("document")
    for entry in _list(properties.get("inline_policies")):
        if isinstance(entry, Mapping):
            yield f"inline:{entry.get('PolicyName') or '?'}", entry.get("document")
    for entry in _list(properties.get("group_policies")):
        if isinstance(entry, Mapping):
            yield f"group:{entry.get('PolicyName') or '?'}", entry.get("document")


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []
