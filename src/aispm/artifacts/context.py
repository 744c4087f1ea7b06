"""Per-file scan state: limits, the time budget, nesting depth and the issues found so far.

These are plain classes and a named tuple rather than dataclasses: they are never compared nor
printed, and each dataclass costs about a millisecond of start-up (its methods are generated and
compiled when the module is imported)."""

from __future__ import annotations

import time
from typing import Any, NamedTuple

from aispm.artifacts.model import ArtifactIssue, ArtifactScan, Limits
from aispm.core.model import Severity

MAX_ISSUES = 200
"""Issues kept per scanned file or member; more are counted in ``metadata['issues_dropped']``."""


class ScanAbort(Exception):
    """The file cannot be (fully) parsed; the message becomes ``ArtifactScan.error``."""


class Malformed(ScanAbort):
    """The bytes do not follow the format they claim."""


class LimitExceeded(ScanAbort):
    """A bound of :class:`Limits` was reached."""


class Budget:
    """What one top-level file may still consume: time and uncompressed bytes."""

    __slots__ = ("deadline", "limits", "uncompressed")

    def __init__(self, limits: Limits, deadline: float, uncompressed: int = 0) -> None:
        self.limits = limits
        self.deadline = deadline
        self.uncompressed = uncompressed

    @classmethod
    def start(cls, limits: Limits) -> Budget:
        return cls(limits=limits, deadline=time.monotonic() + limits.max_seconds)

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise LimitExceeded(f"time budget of {self.limits.max_seconds:g} s per file exceeded")

    def consume(self, size: int) -> None:
        """Count ``size`` uncompressed bytes read from containers or compressed streams."""
        self.uncompressed += size
        if self.uncompressed > self.limits.max_total_uncompressed:
            raise LimitExceeded(
                f"more than {self.limits.max_total_uncompressed:,} uncompressed bytes "
                "(decompression bomb guard)"
            )


class Outcome:
    """What a format scanner found in one file or member (turned into an ``ArtifactScan``)."""

    __slots__ = ("error", "format", "issues", "members", "metadata")

    def __init__(self, format: str | None = None) -> None:
        self.format = format
        self.issues: list[ArtifactIssue] = []
        self.members: list[ArtifactScan] = []
        self.metadata: dict[str, Any] = {}
        self.error: str | None = None

    def add(
        self,
        kind: str,
        severity: Severity,
        detail: str,
        *,
        callable: str | None = None,
        member: str | None = None,
        offset: int | None = None,
    ) -> None:
        """Record one issue (bounded by :data:`MAX_ISSUES`; identical issues kept once)."""
        issue = ArtifactIssue(kind, severity, detail, callable, member, offset)
        if any(i.kind == kind and i.detail == detail and i.member == member for i in self.issues):
            return
        if len(self.issues) >= MAX_ISSUES:
            self.metadata["issues_dropped"] = int(self.metadata.get("issues_dropped", 0)) + 1
            return
        self.issues.append(issue)

    def extend(self, issues: list[ArtifactIssue]) -> None:
        for i in issues:
            self.add(i.kind, i.severity, i.detail, callable=i.callable, member=i.member, offset=i.offset)


class Ctx(NamedTuple):
    """What a format scanner gets besides the bytes: the budget, the nesting depth and a way to
    scan members."""

    budget: Budget
    depth: int
    scan_member: Any
    """``(data: bytes, name: str, ctx: Ctx) -> ArtifactScan | None`` (None: not a model file)."""

    def deeper(self) -> Ctx:
        if self.depth + 1 > self.budget.limits.max_depth:
            raise LimitExceeded(f"containers nested deeper than {self.budget.limits.max_depth}")
        return Ctx(self.budget, self.depth + 1, self.scan_member)
