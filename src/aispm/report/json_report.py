"""The JSON report: the whole scan as one document with a stable key and item order.

The layout is documented in ``docs/output-formats.md``; change both together.
"""

from __future__ import annotations

import json
from typing import Any

from aispm.core.model import ScanResult
from aispm.paths.toxic import escalation_reasons, original_severity
from aispm.report.common import (
    TOOL_NAME,
    TOOL_VERSION,
    asset_name,
    counts,
    is_suppressed,
    rule_for,
    sorted_assets,
    sorted_findings,
)


def render_json(result: ScanResult) -> str:
    """Render a scan as indented JSON (UTF-8 text, keys in documented order, ending in a newline)."""
    return json.dumps(to_document(result), indent=2, ensure_ascii=False) + "\n"


def to_document(result: ScanResult) -> dict[str, Any]:
    """The JSON report as Python values (what :func:`render_json` serialises)."""
    c = counts(result)
    findings = []
    for finding in sorted_findings(result):
        item = finding.to_json()
        rule = rule_for(result, finding)
        raised_by = escalation_reasons(finding)
        findings.append(
            {
                "fingerprint": item["fingerprint"],
                "rule_id": item["rule_id"],
                "title": rule.title,
                "severity": item["severity"],
                "original_severity": original_severity(finding).value if raised_by else None,
                "escalated_by": raised_by,
                "status": item["status"],
                "message": item["message"],
                "asset_id": item["asset_id"],
                "asset_name": asset_name(result, finding.asset_id),
                "location": item["location"],
                "evidence": _sort_keys(item["evidence"]),
                "suppressed": is_suppressed(result, finding),
            }
        )
    assets = []
    for asset in sorted_assets(result):
        data = asset.to_json()
        data["properties"] = _sort_keys(data["properties"])
        assets.append(data)
    relationships = [
        {**rel.to_json(), "properties": _sort_keys(dict(rel.properties))}
        for rel in sorted(result.inventory.relationships, key=lambda r: r.key)
    ]
    return {
        "tool": {"name": TOOL_NAME, "version": TOOL_VERSION},
        "scan": {
            "id": result.scan_id or None,
            "target": result.target,
            "started_at": result.started_at,
            "finished_at": result.finished_at,
        },
        "summary": {
            "assets": c.assets,
            "assets_by_kind": c.assets_by_kind,
            "relationships": c.relationships,
            "findings": c.findings,
            "active_findings": c.active,
            "suppressed_findings": c.suppressed,
            "findings_by_severity": c.active_by_severity,
            "warnings": c.warnings,
            "coverage_gaps": c.coverage_gaps,
            "unknown_findings": c.unknown,
        },
        "assets": assets,
        "relationships": relationships,
        "findings": findings,
        "rules": {rule_id: result.rules[rule_id].to_json() for rule_id in sorted(result.rules)},
        "warnings": [w.to_json() for w in result.warnings],
    }


def _sort_keys(value: Any) -> Any:
    """Sort the keys of nested dicts so free-form properties and evidence serialise the same every time."""
    if isinstance(value, dict):
        return {str(k): _sort_keys(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_sort_keys(v) for v in value]
    return value
