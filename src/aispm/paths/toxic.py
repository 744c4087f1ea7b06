"""Toxic combinations: findings medium alone and critical together on one path.

Decision (docs/attack-paths.md): a combination does not create new findings; it raises the
severity of each finding involved, for the path that combines them, and records why in an
``escalations`` entry ``{fingerprint, rule_id, asset_id, from, to, combination, reason}``.
:func:`escalated_findings` returns copies of the findings with the raised severity and the
reason in ``evidence["escalated_by"]``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aispm.core.model import Finding, Severity
from aispm.paths.config import toxic_data

if TYPE_CHECKING:
    from aispm.paths.search import AttackPath


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
            if finding.severity.rank < target.rank:
                out.append(
                    {
                        "fingerprint": finding.fingerprint,
                        "rule_id": finding.rule_id,
                        "asset_id": finding.asset_id,
                        "from": finding.severity.value,
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
        originals = {f.fingerprint: f for f in path.findings()}
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
            evidence={**dict(f.evidence), "escalated_by": reasons, "original_severity": f.severity.value},
        )
        for f, sev, reasons in by_fp.values()
    ]
