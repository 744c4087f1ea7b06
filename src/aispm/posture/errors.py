"""Errors of the posture stage, with messages that name the file, the rule and the field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


class PolicyError(ValueError):
    """A policy file or a custom rule is malformed; the message says where and why."""


class RuleDataError(ValueError):
    """A built-in rule metadata file is malformed, or metadata and checks disagree."""


def field_path(loc: Sequence[int | str]) -> str:
    """``("custom_rules", 2, "match", "where", 0)`` → ``custom_rules[2].match.where[0]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def clean_loc(loc: Sequence[Any]) -> list[int | str]:
    """A pydantic error location without the union-member and validator tags pydantic adds."""
    parts = [p for p in loc if isinstance(p, int | str)]
    return [p for p in parts if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))]


def describe_validation_error(exc: ValidationError, prefix: Sequence[int | str] = ()) -> list[str]:
    """One readable line per problem of a pydantic error: ``field: message``."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = clean_loc((*prefix, *err["loc"]))
        message = str(err["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        lines.append(f"field '{field_path(loc)}': {message}")
    return lines


def rule_id_at(raw: Any, index: int) -> str | None:
    """The ``id`` of the ``index``-th rule of a raw list, if it has one (for error messages)."""
    if isinstance(raw, Sequence) and not isinstance(raw, str) and 0 <= index < len(raw):
        item = raw[index]
        if isinstance(item, Mapping) and isinstance(item.get("id"), str):
            return str(item["id"])
    return None
