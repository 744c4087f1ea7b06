"""Classification of the callables a pickle reaches: dangerous, safe (ML reconstruction) or
unknown, from ``data/pickle_callables.yaml``."""

from __future__ import annotations

import fnmatch
import re
from functools import cache, lru_cache
from typing import NamedTuple

from aispm.core.model import Severity
from aispm.data import load_yaml

DANGEROUS = "dangerous"
SAFE = "safe"
UNKNOWN = "unknown"


class Verdict(NamedTuple):
    """How a callable is classified, and with which severity when it is not safe."""

    kind: str
    severity: Severity | None
    pattern: str | None = None


class _Patterns:
    """Exact names and shell-style patterns, matched together.  A name can only match a pattern
    that it starts like (up to the first wildcard): a pattern whose only wildcard is a final ``*``
    (most of them) needs no more; the others then go through :mod:`fnmatch` (whose regular
    expressions are compiled when first used)."""

    def __init__(self, entries: list[str]) -> None:
        self.exact = frozenset(e for e in entries if not _is_glob(e))
        self.globs = tuple(e for e in entries if e not in self.exact)
        self._prefixes = tuple(re.split(r"[*?\[]", g, maxsplit=1)[0] for g in self.globs)
        self._prefix_only = tuple(g == p + "*" for g, p in zip(self.globs, self._prefixes, strict=True))

    def match(self, name: str) -> str | None:
        if name in self.exact:
            return name
        for glob, prefix, prefix_only in zip(self.globs, self._prefixes, self._prefix_only, strict=True):
            if name.startswith(prefix) and (prefix_only or fnmatch.fnmatchcase(name, glob)):
                return glob
        return None


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


class _Policy(NamedTuple):
    """``data/pickle_callables.yaml``, ready for matching."""

    aliases: dict[str, str]
    dangerous: tuple[tuple[Severity, _Patterns], ...]
    safe: _Patterns
    resolvers: dict[str, str]
    nested: _Patterns
    builders: frozenset[str]


@cache
def _policy() -> _Policy:
    data = load_yaml("pickle_callables.yaml")
    return _Policy(
        aliases={str(k): str(v) for k, v in data["aliases"].items()},
        dangerous=tuple(
            (Severity(level), _Patterns([str(e) for e in entries]))
            for level, entries in data["dangerous"].items()
        ),
        safe=_Patterns([str(e) for e in data["safe"]]),
        resolvers={str(k): str(v) for k, v in data["resolvers"].items()},
        nested=_Patterns([str(e) for e in data["nested_loaders"]]),
        builders=frozenset(str(e) for e in data["string_builders"]),
    )


@lru_cache(maxsize=4096)
def normalize(path: str) -> str:
    """Apply module aliases (Python 2 names, ``posix``/``nt``) and ``__builtins__`` segments."""
    parts = [p for p in path.replace(":", ".").split(".") if p]
    if not parts:
        return path
    aliases = _policy().aliases
    parts = ["builtins" if p == "__builtins__" else p for p in parts]
    parts[0] = aliases.get(parts[0], parts[0])
    return ".".join(parts)


@lru_cache(maxsize=4096)
def classify(path: str) -> Verdict:
    """The verdict for the dotted callable ``path`` (already normalized or not)."""
    name = normalize(path)
    parts = name.split(".")
    policy = _policy()
    if len(parts) == 1:  # a module on its own (``importlib.import_module('os')``)
        parts.append("__module__")
    for start in range(max(len(parts) - 1, 1)):
        suffix = ".".join(parts[start:])
        if start and parts[start] in policy.aliases:
            suffix = normalize(suffix)
        for severity, patterns in policy.dangerous:
            hit = patterns.match(suffix)
            if hit is not None:
                return Verdict(DANGEROUS, severity, hit)
    hit = policy.safe.match(name)
    if hit is not None:
        return Verdict(SAFE, None, hit)
    return Verdict(UNKNOWN, Severity.MEDIUM)


def resolver_kind(path: str) -> str | None:
    """``getattr`` / ``import`` / ... when ``path`` is an indirection the machine follows."""
    return _policy().resolvers.get(normalize(path))


@lru_cache(maxsize=4096)
def is_nested_loader(path: str) -> bool:
    return _policy().nested.match(normalize(path)) is not None


def is_string_builder(path: str) -> bool:
    return normalize(path) in _policy().builders
