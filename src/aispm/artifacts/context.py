"""Per-file scan state: limits, the time budget, nesting depth and the issues found so far."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

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


@dataclass(slots=True)
class Budget:
    """What one top-level file may still consume: time and uncompressed bytes."""

    limits: Limits
    deadline: float
    uncompressed: int = 0

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


@dataclass(slots=True)
class Outcome:
    """What a format scanner found in one file or member (turned into an ``ArtifactScan``)."""

    format: str | None = None
    issues: list[ArtifactIssue] = field(default_factory=list)
    members: list[ArtifactScan] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

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


@dataclass(slots=True)
class Ctx:
    """What a format scanner gets besides the bytes: the budget, the nesting depth, the folder
    the file lies in (for ONNX external data; None for members) and a way to scan members."""

    budget: Budget
    depth: int
    folder: str | None
    scan_member: Any
    """``(data: bytes, name: str, ctx: Ctx) -> ArtifactScan | None`` (None: not a model file)."""

    def deeper(self) -> Ctx:
        if self.depth + 1 > self.budget.limits.max_depth:
            raise LimitExceeded(f"containers nested deeper than {self.budget.limits.max_depth}")
        return Ctx(self.budget, self.depth + 1, None, self.scan_member)
