"""Helpers shared by every renderer: ordering, counts, rule look-up and display strings.

Renderers only ever show what is in the :class:`~aispm.core.model.ScanResult`; secrets in it are
already redacted, so nothing here reads files or redacts again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from aispm import __version__
from aispm.core.model import Asset, AssetKind, Finding, Location, RuleMeta, ScanResult, Severity

TOOL_NAME = "aispm"
TOOL_VERSION = __version__
INFORMATION_URI = "https://pypi.org/project/aispm/"
"""Where users learn about the tool (SARIF ``tool.driver.informationUri``)."""

FINGERPRINT_PREFIX = 12
"""How many characters of a fingerprint the terminal and HTML views show."""

SEVERITIES_DESC: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: s.rank, reverse=True))
"""Severities from the worst to the mildest."""

_KIND_ORDER = {kind: i for i, kind in enumerate(AssetKind)}


@dataclass(frozen=True, slots=True)
class Counts:
    """The numbers every report's summary shows."""

    assets: int
    assets_by_kind: dict[str, int]
    """Asset kind -> number of assets, in the order of :class:`AssetKind`; kinds with none left out."""
    relationships: int
    findings: int
    """All findings, suppressed ones included."""
    suppressed: int
    active_by_severity: dict[str, int]
    """Severity -> number of unsuppressed findings, worst first; every severity present."""
    warnings: int
    coverage_gaps: int = 0
    """Warnings of kind ``coverage_gap``: parts of a source that could not be inventoried."""
    unknown: int = 0
    """Active findings with status ``unknown`` (the rule lacked data; never a pass)."""

    @property
    def active(self) -> int:
        return self.findings - self.suppressed


def counts(result: ScanResult) -> Counts:
    """Count assets, relationships, findings and warnings of a scan."""
    inventory = result.inventory
    kinds = Counter(asset.kind for asset in inventory.assets)
    active = Counter(f.severity for f in result.active_findings())
    suppressed = sum(1 for f in result.findings if is_suppressed(result, f))
    return Counts(
        assets=len(inventory),
        assets_by_kind={kind.value: kinds[kind] for kind in AssetKind if kinds[kind]},
        relationships=len(inventory.relationships),
        findings=len(result.findings),
        suppressed=suppressed,
        active_by_severity={sev.value: active[sev] for sev in SEVERITIES_DESC},
        warnings=len(result.warnings),
        coverage_gaps=sum(1 for w in result.warnings if w.kind == "coverage_gap"),
        unknown=sum(1 for f in result.active_findings() if f.status == "unknown"),
    )


def is_suppressed(result: ScanResult, finding: Finding) -> bool:
    return finding.fingerprint in result.suppressed


def sorted_findings(result: ScanResult) -> list[Finding]:
    """Findings worst first, then by rule, location, asset and fingerprint (a total, stable order)."""
    return sorted(
        result.findings,
        key=lambda f: (-f.severity.rank, f.rule_id, str(f.location or ""), f.asset_id, f.fingerprint),
    )


def sorted_assets(result: ScanResult) -> list[Asset]:
    """Assets grouped by kind (in :class:`AssetKind` order), then by name and id."""
    return sorted(result.inventory.assets, key=lambda a: (_KIND_ORDER[a.kind], a.name, a.id))


def rule_for(result: ScanResult, finding: Finding) -> RuleMeta:
    """The metadata of a finding's rule; a bare stand-in when the scan did not record the rule."""
    rule = result.rules.get(finding.rule_id)
    if rule is not None:
        return rule
    return RuleMeta(
        id=finding.rule_id, title=finding.rule_id, severity=finding.severity, rationale="", remediation=""
    )


def finding_location(result: ScanResult, finding: Finding) -> Location | None:
    """Where a finding is: its own location, else the location of its asset."""
    if finding.location is not None:
        return finding.location
    asset = result.inventory.get(finding.asset_id)
    return asset.location if asset is not None else None


def asset_name(result: ScanResult, asset_id: str) -> str:
    """The readable name of an asset, or its id when the inventory does not hold it."""
    asset = result.inventory.get(asset_id)
    return asset.name if asset is not None else asset_id


def short_fingerprint(finding: Finding) -> str:
    return finding.fingerprint[:FINGERPRINT_PREFIX]


def location_text(location: Location | None) -> str:
    return str(location) if location is not None else ""
