"""Toxic combinations: findings medium alone and critical together on one path.

Decision (docs/attack-paths.md): a combination does not create new findings; it raises the
severity of each finding involved, for the path that combines them, and records why in an
``escalations`` entry ``{fingerprint, rule_id, asset_id, from, to, combination, reason}``.
:func:`escalated_findings` returns copies of the findings with the raised severity, the reasons in
``evidence["escalated_by"]`` and the rule's severity in ``evidence["original_severity"]``
(:func:`original` takes them off again, so raising twice gives the same result).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aispm.core.model import Finding, Severity
from aispm.paths.config import toxic_data

if TYPE_CHECKING:
    from aispm.paths.search import AttackPath

ESCALATED_BY = "escalated_by"
"""Evidence key of a raised finding: ``["<combination>: <reason>", ...]``."""
ORIGINAL_SEVERITY = "original_severity"
"""Evidence key of a raised finding: the severity before the raise."""


def original_severity(finding: Finding) -> Severity:
    """The severity a finding had before any toxic combination raised it."""
    value = finding.evidence.get(ORIGINAL_SEVERITY) if finding.evidence.get(ESCALATED_BY) else None
    try:
        return Severity(value) if isinstance(value, str) else finding.severity
    except ValueError:
        return finding.severity


def escalation_reasons(finding: Finding) -> list[str]:
    """Why a finding was raised (empty when it was not)."""
    reasons = finding.evidence.get(ESCALATED_BY)
    return [str(r) for r in reasons] if isinstance(reasons, list) else []


def original(finding: Finding) -> Finding:
    """The finding as its rule reported it (without a raise)."""
    if not escalation_reasons(finding):
        return finding
    evidence = {k: v for k, v in finding.evidence.items() if k not in (ESCALATED_BY, ORIGINAL_SEVERITY)}
    return replace(finding, severity=original_severity(finding), evidence=evidence)


def escalate(path: AttackPath) -> list[dict[str, Any]]:
    """The severity raises a path's combination of findings causes."""
    findings = path.findings()
    out: list[dict[str, Any]] = []
    for combo in toxic_data()["combinations"]:
        groups = [[f for f in findings if f.rule_id in set(group)] for group in combo["all_of"]]
        if not all(groups):
            continue
        target = Severity.parse(str(combo["severity"]))
        for finding in (f for group in groups for f in group):
            severity = original_severity(finding)
            if severity.rank < target.rank:
                out.append(
                    {
                        "fingerprint": finding.fingerprint,
                        "rule_id": finding.rule_id,
                        "asset_id": finding.asset_id,
                        "from": severity.value,
                        "to": target.value,
                        "combination": combo["id"],
                        "reason": combo["reason"],
                    }
                )
    return out


def escalated_findings(paths: list[AttackPath]) -> list[Finding]:
    """Copies of every escalated finding with the highest raised severity and the reasons."""
    by_fp: dict[str, tuple[Finding, Severity, list[str]]] = {}
    for path in paths:
        originals = {f.fingerprint: original(f) for f in path.findings()}
        for esc in path.escalations:
            finding = originals[esc["fingerprint"]]
            _, sev, reasons = by_fp.get(esc["fingerprint"], (finding, finding.severity, []))
            new = Severity(esc["to"])
            reason = f"{esc['combination']}: {esc['reason']}"
            by_fp[esc["fingerprint"]] = (
                finding,
                new if new.rank > sev.rank else sev,
                reasons + ([reason] if reason not in reasons else []),
            )
    return [
        replace(
            f,
            severity=sev,
            evidence={**dict(f.evidence), ESCALATED_BY: reasons, ORIGINAL_SEVERITY: f.severity.value},
        )
        for f, sev, reasons in by_fp.values()
    ]
