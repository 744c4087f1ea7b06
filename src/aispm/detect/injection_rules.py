"""Rules for known injection and jailbreak families, loaded from ``data/injection_rules.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from aispm.data import load_yaml


@dataclass(frozen=True, slots=True)
class Family:
    """One attack family: its compiled patterns and what a hit means."""

    id: str
    detector: str
    type: str
    score: float
    strong: bool
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A family matched in a view at ``start:end`` (offsets into that view)."""

    family: Family
    start: int
    end: int


@cache
def families() -> tuple[Family, ...]:
    """The families of the shipped rules file, patterns compiled once."""
    raw = load_yaml("injection_rules.yaml")["families"]
    return tuple(
        Family(
            id=str(f["id"]),
            detector=str(f["detector"]),
            type=str(f["type"]),
            score=float(f["score"]),
            strong=bool(f.get("strong", False)),
            patterns=tuple(re.compile(p, re.IGNORECASE) for p in f["patterns"]),
        )
        for f in raw
    )


def match_rules(text: str) -> list[RuleHit]:
    """The first hit of every family in ``text``."""
    hits: list[RuleHit] = []
    for family in families():
        for pattern in family.patterns:
            found = pattern.search(text)
            if found:
                hits.append(RuleHit(family, found.start(), found.end()))
                break
    return hits
