"""PII detection with validation: candidates from ``data/pii_patterns.yaml``, kept only when
their check algorithm (Luhn and IIN ranges, IBAN mod-97 and country length, SSN rules, Steuer-ID
mod 11,10 …) accepts them.  Overlapping candidates resolve to the longest, then highest-scored."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from aispm.core.redact import fingerprint_secret
from aispm.data import load_yaml
from aispm.detect.base import Detection
from aispm.detect.pii_validators import VALIDATORS


@dataclass(frozen=True, slots=True)
class PiiPattern:
    """One kind of PII: candidate regex and validator."""

    type: str
    regex: re.Pattern[str]
    validator: Callable[[str], bool]
    score: float


@cache
def pii_patterns() -> tuple[PiiPattern, ...]:
    """The shipped PII patterns, compiled once."""
    return tuple(
        PiiPattern(str(p["type"]), re.compile(p["regex"]), VALIDATORS[p["validator"]], float(p["score"]))
        for p in load_yaml("pii_patterns.yaml")["patterns"]
    )


def redact_pii(kind: str, value: str) -> str:
    """A safe rendering: the kind and at most the last 2 characters (4 for cards and IBANs)."""
    keep = 4 if kind in ("credit_card", "iban") and len(value) > 12 else 2 if len(value) > 8 else 0
    return f"[{kind}:…{value[-keep:]}]" if keep else f"[{kind}]"


class PiiDetector:
    """Finds validated PII in text."""

    name = "pii"

    def __init__(self, types: frozenset[str] | None = None) -> None:
        self.patterns = tuple(p for p in pii_patterns() if types is None or p.type in types)

    def detect(self, text: str) -> list[Detection]:
        """Validated PII in ``text``, in order of offset."""
        if not text:
            return []
        candidates: list[tuple[int, int, PiiPattern]] = []
        has_digit = any(ch.isdigit() for ch in text)
        for pattern in self.patterns:
            if pattern.type == "email" and "@" not in text:
                continue
            if pattern.type != "email" and not has_digit:
                continue
            for match in pattern.regex.finditer(text):
                if pattern.validator(match.group()):
                    candidates.append((match.start(), match.end(), pattern))
        return [self._detection(text, *c) for c in _resolve(candidates)]

    def _detection(self, text: str, start: int, end: int, pattern: PiiPattern) -> Detection:
        value = text[start:end]
        return Detection(
            detector=self.name,
            type=pattern.type,
            start=start,
            end=end,
            score=pattern.score,
            redacted=redact_pii(pattern.type, value),
            attributes={"value_sha256": fingerprint_secret(value)},
        )


def _resolve(candidates: list[tuple[int, int, PiiPattern]]) -> list[tuple[int, int, PiiPattern]]:
    chosen: list[tuple[int, int, PiiPattern]] = []
    for cand in sorted(candidates, key=lambda c: (-(c[1] - c[0]), -c[2].score, c[0])):
        if all(cand[1] <= s or cand[0] >= e for s, e, _ in chosen):
            chosen.append(cand)
    return sorted(chosen, key=lambda c: c[0])
