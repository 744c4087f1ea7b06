"""Read-only views of the history that the store hands out: scan summaries and finding states."""

from __future__ import annotations

from dataclasses import dataclass, field

from aispm.core.model import JSON, Severity


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """One line of the scan history."""

    id: str
    target: str
    started_at: str
    finished_at: str
    asset_count: int
    findings_by_severity: dict[str, int] = field(default_factory=dict)
    """Finding counts keyed by severity value, every severity present, most severe first."""
    tool_version: str = ""

    @property
    def finding_count(self) -> int:
        return sum(self.findings_by_severity.values())

    def to_json(self) -> dict[str, JSON]:
        return {
            "id": self.id,
            "target": self.target,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "tool_version": self.tool_version,
            "asset_count": self.asset_count,
            "finding_count": self.finding_count,
            "findings_by_severity": dict(self.findings_by_severity),
        }


def severity_counts(values: list[str] | dict[str, int]) -> dict[str, int]:
    """Counts by severity, most severe first, with zeros for absent severities.

    Takes either a list of severity values (one per finding) or stored counts.
    """
    if isinstance(values, dict):
        counts = {str(k): int(v) for k, v in values.items()}
    else:
        counts = {}
        for value in values:
            counts[value] = counts.get(value, 0) + 1
    return {s.value: counts.get(s.value, 0) for s in sorted(Severity, key=lambda s: -s.rank)}


@dataclass(frozen=True, slots=True)
class FindingState:
    """What the history knows about one finding fingerprint across scans."""

    fingerprint: str
    first_seen: str
    """``started_at`` of the first scan that reported it."""
    last_seen: str
    """``started_at`` of the latest scan that reported it."""
    first_scan_id: str
    last_scan_id: str
    suppressed: bool
    reason: str | None
    suppressed_at: str | None

    def to_json(self) -> dict[str, JSON]:
        return {
            "fingerprint": self.fingerprint,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "first_scan_id": self.first_scan_id,
            "last_scan_id": self.last_scan_id,
            "suppressed": self.suppressed,
            "reason": self.reason,
            "suppressed_at": self.suppressed_at,
        }
