"""What changed between two scans: assets by id, findings by fingerprint."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aispm.core.model import JSON, Asset, Finding

_ASSET_FIELDS = ("kind", "name", "provider", "location", "tags", "source")


@dataclass(frozen=True, slots=True)
class AssetChange:
    """An asset present in both scans whose fields or properties differ."""

    old: Asset
    new: Asset
    changed: tuple[str, ...]
    """What differs: field names (``name``, ``location`` ...) and ``properties.<key>``."""

    @property
    def asset_id(self) -> str:
        return self.new.id

    def to_json(self) -> dict[str, JSON]:
        return {
            "asset_id": self.asset_id,
            "kind": self.new.kind.value,
            "name": self.new.name,
            "changed": list(self.changed),
            "old": self.old.to_json(),
            "new": self.new.to_json(),
        }


@dataclass(frozen=True, slots=True)
class FindingChange:
    """A finding (same fingerprint) in both scans whose severity or message differs."""

    old: Finding
    new: Finding
    changed: tuple[str, ...]
    """``severity`` and/or ``message``."""

    @property
    def fingerprint(self) -> str:
        return self.new.fingerprint

    def to_json(self) -> dict[str, JSON]:
        return {
            "fingerprint": self.fingerprint,
            "rule_id": self.new.rule_id,
            "asset_id": self.new.asset_id,
            "changed": list(self.changed),
            "old": {"severity": self.old.severity.value, "message": self.old.message},
            "new": {"severity": self.new.severity.value, "message": self.new.message},
        }


@dataclass(frozen=True, slots=True)
class ScanDiff:
    """The difference from scan ``old_id`` to scan ``new_id``."""

    old_id: str
    new_id: str
    assets_added: tuple[Asset, ...]
    assets_removed: tuple[Asset, ...]
    assets_changed: tuple[AssetChange, ...]
    findings_added: tuple[Finding, ...]
    findings_removed: tuple[Finding, ...]
    findings_changed: tuple[FindingChange, ...]

    @property
    def empty(self) -> bool:
        """True when the two scans saw the same assets and findings."""
        return not (
            self.assets_added
            or self.assets_removed
            or self.assets_changed
            or self.findings_added
            or self.findings_removed
            or self.findings_changed
        )

    def to_json(self) -> dict[str, JSON]:
        return {
            "old_scan": self.old_id,
            "new_scan": self.new_id,
            "assets": {
                "added": [a.to_json() for a in self.assets_added],
                "removed": [a.to_json() for a in self.assets_removed],
                "changed": [c.to_json() for c in self.assets_changed],
            },
            "findings": {
                "added": [f.to_json() for f in self.findings_added],
                "removed": [f.to_json() for f in self.findings_removed],
                "changed": [c.to_json() for c in self.findings_changed],
            },
        }


def asset_changes(old: Asset, new: Asset) -> tuple[str, ...]:
    """Names of the fields and ``properties.<key>`` entries that differ between two versions."""
    changed = [name for name in _ASSET_FIELDS if getattr(old, name) != getattr(new, name)]
    keys = list(old.properties) + [k for k in new.properties if k not in old.properties]
    changed += [
        f"properties.{k}"
        for k in keys
        if k not in old.properties or k not in new.properties or old.properties[k] != new.properties[k]
    ]
    return tuple(changed)


def finding_changes(old: Finding, new: Finding) -> tuple[str, ...]:
    """``severity`` and/or ``message`` if they differ."""
    return tuple(name for name in ("severity", "message") if getattr(old, name) != getattr(new, name))


def compute(
    old_id: str,
    new_id: str,
    old_assets: Iterable[Asset],
    new_assets: Iterable[Asset],
    old_findings: Iterable[Finding],
    new_findings: Iterable[Finding],
) -> ScanDiff:
    """Compare two scans' assets (by id) and findings (by fingerprint; the first of duplicates)."""
    before = {a.id: a for a in old_assets}
    after = {a.id: a for a in new_assets}
    changes: list[AssetChange] = []
    for asset_id, new in after.items():
        old = before.get(asset_id)
        if old is not None and old != new:
            keys = asset_changes(old, new)
            if keys:
                changes.append(AssetChange(old, new, keys))
    f_before = _by_fingerprint(old_findings)
    f_after = _by_fingerprint(new_findings)
    f_changes: list[FindingChange] = []
    for fp, new_f in f_after.items():
        old_f = f_before.get(fp)
        if old_f is not None:
            keys = finding_changes(old_f, new_f)
            if keys:
                f_changes.append(FindingChange(old_f, new_f, keys))
    return ScanDiff(
        old_id=old_id,
        new_id=new_id,
        assets_added=tuple(a for i, a in after.items() if i not in before),
        assets_removed=tuple(a for i, a in before.items() if i not in after),
        assets_changed=tuple(changes),
        findings_added=tuple(f for fp, f in f_after.items() if fp not in f_before),
        findings_removed=tuple(f for fp, f in f_before.items() if fp not in f_after),
        findings_changed=tuple(f_changes),
    )


def _by_fingerprint(findings: Iterable[Finding]) -> dict[str, Finding]:
    out: dict[str, Finding] = {}
    for finding in findings:
        out.setdefault(finding.fingerprint, finding)
    return out
