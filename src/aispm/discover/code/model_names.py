"""Which provider a model name belongs to (shared by the Python and JavaScript analyzers).

Both lookups read ``data/model_providers.yaml``: ``prefixes`` for names that carry their provider
(``anthropic/claude-3-5-sonnet``, ``openai:gpt-4o``, ``model_provider="groq"``) and ``names``
for names that betray it (``claude-…`` → ``anthropic``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from aispm.data import load_yaml


@dataclass(frozen=True, slots=True)
class _Table:
    prefixes: dict[str, str]
    names: tuple[tuple[re.Pattern[str], str], ...]


@cache
def _table() -> _Table:
    data: dict[str, Any] = load_yaml("model_providers.yaml")
    return _Table(
        prefixes={str(k): str(v) for k, v in data["prefixes"].items()},
        names=tuple((re.compile(r["pattern"]), str(r["provider"])) for r in data["names"]),
    )


def provider_for_prefix(prefix: str) -> str | None:
    """The provider a routing prefix names (``bedrock`` → ``aws-bedrock``), case-insensitive."""
    return _table().prefixes.get(prefix.lower())


def split_provider_prefix(model: str) -> tuple[str, str] | None:
    """``(provider, model)`` of a ``provider/model`` or ``provider:model`` name, else ``None``."""
    for separator in ("/", ":"):
        prefix, found, rest = model.partition(separator)
        provider = provider_for_prefix(prefix) if found and rest else None
        if provider is not None:
            return provider, rest
    return None


def provider_for_model_name(model: str) -> str | None:
    """The provider a model name belongs to by its name alone (``claude-…`` → ``anthropic``)."""
    lowered = model.lower()
    return next((p for pattern, p in _table().names if pattern.match(lowered)), None)
