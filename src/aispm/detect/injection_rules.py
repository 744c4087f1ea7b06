"""Rules for known injection and jailbreak families, loaded from ``data/injection_rules.yaml``.

Most patterns start with a word or a choice of words (``\\b(?:ignore|disregard|...)``).  Those
words are read off the pattern once (:func:`needles`) and a pattern is run only on a text that
contains one of them: a plain substring test is much cheaper than a case-insensitive regex scan,
and most texts contain none of them.  A pattern without such a literal start always runs.
"""

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
    needles: tuple[tuple[str, ...] | None, ...] = ()
    """Per pattern: words one of which a text must contain for the pattern to match (lower case)."""


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A family matched in a view at ``start:end`` (offsets into that view)."""

    family: Family
    start: int
    end: int


_META = frozenset("\\[](){}?*+|.^$")
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
"""The non-ASCII letters a case-insensitive pattern matches to ASCII ``i``, ``s``, ``k``."""


def _literal_prefix(alternative: str) -> str:
    """The literal characters an alternative starts with (a char made optional is dropped)."""
    out: list[str] = []
    for i, char in enumerate(alternative):
        if char in _META:
            if char in "?*{" and out:
                out.pop()
            break
        out.append(char)
        if i + 1 == len(alternative):
            break
    return "".join(out)


def needles(pattern: str) -> tuple[str, ...] | None:
    """Lower-case words one of which every match of ``pattern`` starts with, if it has such a
    literal start (``\\bword``, ``\\b(?:one|two)``, a literal); ``None`` when it has not."""
    body = pattern.removeprefix("\\b")
    if body.startswith("(?:"):
        end = body.find(")")
        group = body[3:end]
        if end < 0 or "(" in group or body[end + 1 : end + 2] in ("?", "*", "{"):
            return None
        alternatives = group.split("|")
    else:
        alternatives = [body]
    words = tuple(_literal_prefix(a).lower() for a in alternatives)
    return words if all(len(w) >= 2 for w in words) else None


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
            needles=tuple(needles(p) for p in f["patterns"]),
        )
        for f in raw
    )


def match_rules(text: str) -> list[RuleHit]:
    """The first hit of every family in ``text``."""
    hits: list[RuleHit] = []
    low = text.translate(_FOLD).lower()
    for family in families():
        for pattern, words in zip(family.patterns, family.needles, strict=True):
            if words is not None and not any(w in low for w in words):
                continue
            found = pattern.search(text)
            if found:
                hits.append(RuleHit(family, found.start(), found.end()))
                break
    return hits
