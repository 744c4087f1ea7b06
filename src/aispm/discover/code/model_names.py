"""Which provider a model name belongs to (shared by the Python and JavaScript analyzers).

The lookups read ``data/model_providers.yaml``: ``prefixes`` for names that carry their provider
(``anthropic/claude-3-5-sonnet``, ``openai:gpt-4o``, ``model_provider="groq"``), ``names`` for
names that betray it (``claude-…`` → ``anthropic``), ``hosts`` for the API hosts (and local
servers' ports) of providers, and which catalog entries route to many providers or name no model
endpoints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

from aispm.data import load_yaml


@dataclass(frozen=True, slots=True)
class _HostRule:
    """One ``hosts`` rule: host globs (empty: any host), a port, local hosts only."""

    provider: str
    hosts: tuple[str, ...]
    port: int | None
    local: bool

    def matches(self, host: str, port: int | None, local: bool) -> bool:
        return (
            (self.port is None or port == self.port)
            and (local or not self.local)
            and (not self.hosts or any(fnmatchcase(host, glob) for glob in self.hosts))
        )


@dataclass(frozen=True, slots=True)
class _Table:
    prefixes: dict[str, str]
    names: tuple[tuple[re.Pattern[str], str], ...]
    provider_prefixed: frozenset[str]
    endpoint_categories_excluded: frozenset[str]
    name_prefixes: dict[str, tuple[str, ...]]
    hosts: tuple[_HostRule, ...]
    host_dropped_prefixes: frozenset[str]


@cache
def _table() -> _Table:
    data: dict[str, Any] = load_yaml("model_providers.yaml")
    return _Table(
        prefixes={str(k): str(v) for k, v in data["prefixes"].items()},
        names=tuple((re.compile(r["pattern"]), str(r["provider"])) for r in data["names"]),
        provider_prefixed=frozenset(data["provider_prefixed"]),
        endpoint_categories_excluded=frozenset(data["endpoint_categories_excluded"]),
        name_prefixes={str(k): tuple(str(p) for p in v) for k, v in data["name_prefixes"].items()},
        hosts=tuple(
            _HostRule(
                str(r["provider"]),
                tuple(str(h).lower() for h in r.get("hosts", ())),
                int(r["port"]) if r.get("port") is not None else None,
                bool(r.get("local", False)),
            )
            for r in data["hosts"]
        ),
        host_dropped_prefixes=frozenset(str(p) for p in data["host_dropped_prefixes"]),
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


def routes_by_prefix(catalog_id: str) -> bool:
    """Whether model names used through the entry may carry their provider as a prefix."""
    return catalog_id in _table().provider_prefixed


def names_endpoints(category: str) -> bool:
    """Whether URLs given to clients of a catalog category are model endpoints."""
    return category not in _table().endpoint_categories_excluded


def canonical_model_name(provider: str, model: str) -> str:
    """``model`` without a resource prefix its provider's API also accepts
    (``models/gemini-pro`` is Google's ``gemini-pro``)."""
    for prefix in _table().name_prefixes.get(provider, ()):
        if model.startswith(prefix) and len(model) > len(prefix):
            return model[len(prefix) :]
    return model


def provider_for_host(host: str, port: int | None, *, local: bool) -> str | None:
    """The provider whose API is served at ``host`` (and ``port``, the one the URL names, if
    any): ``openrouter.ai`` → ``openrouter``, any host at port 11434 → ``ollama``; ``local``:
    the host is a local one.  ``None`` for hosts no rule knows."""
    lowered = host.lower().rstrip(".")
    return next((r.provider for r in _table().hosts if r.matches(lowered, port, local)), None)


def model_at_host(provider: str, model: str) -> str:
    """The name at ``provider``'s host of a model a router entry names ``model``: without a
    routing prefix that names ``provider`` itself or only an OpenAI-compatible API
    (``host_dropped_prefixes``); other prefixes are part of the name (``anthropic/claude-…`` at
    OpenRouter)."""
    prefixed = split_provider_prefix(model)
    if prefixed is None:
        return model
    prefix = model[: len(model) - len(prefixed[1]) - 1].lower()
    dropped = prefixed[0] == provider or prefix in _table().host_dropped_prefixes
    return prefixed[1] if dropped else model
