"""The SARIF 2.1.0 report, shaped for GitHub code scanning.

One run; ``tool.driver.rules`` holds every rule that ran (and a stand-in for any rule a finding
names that the scan did not record); each result points at its rule by id and index, carries the
finding's fingerprint as a partial fingerprint and, when suppressed, an external suppression.
Scan warnings become tool execution notifications of the one invocation.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from aispm.core.model import Finding, Location, RuleMeta, ScanResult, ScanWarning, Severity
from aispm.paths.toxic import escalation_reasons, original_severity
from aispm.report.common import (
    INFORMATION_URI,
    TOOL_NAME,
    TOOL_VERSION,
    finding_location,
    is_suppressed,
    rule_for,
    sorted_findings,
)

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "aispmFingerprint/v1"

SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
"""GitHub code scanning ranks security results by this number (a string, as GitHub expects)."""

LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

SUPPRESSION_JUSTIFICATION = "Suppressed in aispm: kept in the report, not counted against --fail-on."

_CWE = re.compile(r"^CWE-(\d+)$", re.IGNORECASE)


def render_sarif(result: ScanResult) -> str:
    """Render a scan as an indented SARIF 2.1.0 log."""
    return json.dumps(to_sarif(result), indent=2, ensure_ascii=False) + "\n"


def to_sarif(result: ScanResult) -> dict[str, Any]:
    """The SARIF log as Python values."""
    rules = _rules(result)
    index = {rule.id: i for i, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": TOOL_VERSION,
                "semanticVersion": TOOL_VERSION,
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(rule) for rule in rules],
            }
        },
        "invocations": [_invocation(result)],
        "originalUriBaseIds": {SRCROOT: _srcroot(result.target)},
        "results": [_result(result, f, index[f.rule_id]) for f in sorted_findings(result)],
    }
    if result.scan_id:
        run["properties"] = {"aispmScanId": result.scan_id}
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _rules(result: ScanResult) -> list[RuleMeta]:
    """Every recorded rule by id, then stand-ins for rules that only findings name."""
    rules = [result.rules[rule_id] for rule_id in sorted(result.rules)]
    known = set(result.rules)
    for finding in sorted_findings(result):
        if finding.rule_id not in known:
            known.add(finding.rule_id)
            rules.append(rule_for(result, finding))
    return rules


def _descriptor(rule: RuleMeta) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": _camel_name(rule.title) or rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale or rule.title},
        "help": {"text": _help_text(rule), "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": _tags(rule),
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "severity": rule.severity.value,
        },
    }
    help_uri = next((ref for ref in rule.references if ref.startswith("https://")), None)
    if help_uri:
        descriptor["helpUri"] = help_uri
    return descriptor


def _camel_name(title: str) -> str:
    """``Hard-coded API key`` -> ``HardCodedApiKey`` (SARIF's readable rule name)."""
    return "".join(word[:1].upper() + word[1:].lower() for word in re.findall(r"[A-Za-z0-9]+", title))


def _tags(rule: RuleMeta) -> list[str]:
    tags = ["security", *rule.tags, *rule.owasp_llm, *rule.mitre_atlas]
    for ref in rule.references:
        match = _CWE.match(ref.strip())
        if match:
            tags.append(f"external/cwe/cwe-{match.group(1)}")
    return list(dict.fromkeys(tags))


def _frameworks(rule: RuleMeta) -> list[str]:
    lines = []
    if rule.owasp_llm:
        lines.append("OWASP Top 10 for LLM Applications: " + ", ".join(rule.owasp_llm))
    if rule.mitre_atlas:
        lines.append("MITRE ATLAS: " + ", ".join(rule.mitre_atlas))
    if rule.references:
        lines.append("References: " + ", ".join(rule.references))
    return lines


def _help_text(rule: RuleMeta) -> str:
    parts = [rule.rationale or rule.title]
    if rule.remediation:
        parts.append("Remediation: " + rule.remediation)
    parts.extend(_frameworks(rule))
    return "\n\n".join(parts)


def _help_markdown(rule: RuleMeta) -> str:
    parts = [f"## {rule.title}", rule.rationale] if rule.rationale else [f"## {rule.title}"]
    if rule.remediation:
        parts += ["### Remediation", rule.remediation]
    refs = [f"- OWASP Top 10 for LLM Applications: {', '.join(rule.owasp_llm)}"] if rule.owasp_llm else []
    if rule.mitre_atlas:
        refs.append(f"- MITRE ATLAS: {', '.join(rule.mitre_atlas)}")
    refs += [f"- {ref}" for ref in rule.references]
    if refs:
        parts += ["### References", "\n".join(refs)]
    return "\n\n".join(parts)


def _result(result: ScanResult, finding: Finding, rule_index: int) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": "note" if finding.status == "unknown" else LEVEL[finding.severity],
        "message": {"text": finding.message or rule_for(result, finding).title},
        "locations": [_location(result, finding)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {
            "severity": finding.severity.value,
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "assetId": finding.asset_id,
            "status": finding.status,
        },
    }
    raised_by = escalation_reasons(finding)
    if raised_by:
        was = original_severity(finding).value
        item["message"]["text"] += f" (severity raised from {was}: {'; '.join(raised_by)})"
        item["properties"]["originalSeverity"] = was
        item["properties"]["escalatedBy"] = raised_by
    if finding.evidence:
        item["properties"]["evidence"] = dict(finding.evidence)
    if is_suppressed(result, finding):
        item["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": SUPPRESSION_JUSTIFICATION}
        ]
    return item


def _location(result: ScanResult, finding: Finding) -> dict[str, Any]:
    """A physical location when the finding (or its asset) is in a file; the asset as a logical one."""
    asset = result.inventory.get(finding.asset_id)
    location = finding_location(result, finding)
    logical: dict[str, Any] = {"fullyQualifiedName": finding.asset_id, "kind": "resource"}
    if asset is not None:
        logical["name"] = asset.name
    out: dict[str, Any] = {}
    physical = _physical(location)
    if physical is not None:
        out["physicalLocation"] = physical
    elif location is not None and location.uri:
        logical["fullyQualifiedName"] = location.uri
        logical["properties"] = {"assetId": finding.asset_id}
    out["logicalLocations"] = [logical]
    return out


def _physical(location: Location | None) -> dict[str, Any] | None:
    if location is None or not location.path:
        return None
    physical: dict[str, Any] = {"artifactLocation": _artifact(location.path)}
    if location.line is not None and location.line >= 1:
        physical["region"] = {"startLine": location.line}
    return physical


def _absolute(path: str) -> PurePath | None:
    """The path as an absolute POSIX or Windows path, or None when it is relative."""
    if path.startswith("/"):
        return PurePosixPath(path)
    windows = PureWindowsPath(path)
    return windows if windows.is_absolute() else None


def _artifact(path: str) -> dict[str, Any]:
    """A relative path becomes a URI under ``%SRCROOT%``; an absolute one a ``file:`` URI."""
    absolute = _absolute(path)
    if absolute is not None:
        return {"uri": absolute.as_uri()}
    relative = path.replace("\\", "/").removeprefix("./")
    return {"uri": quote(relative, safe="/-._~"), "uriBaseId": SRCROOT}


def _srcroot(target: str) -> dict[str, Any]:
    """The scan root: a ``file:`` URI when the target is an absolute path, else just a description."""
    absolute = _absolute(target)
    if absolute is not None:
        return {"uri": absolute.as_uri().rstrip("/") + "/"}
    return {"description": {"text": f"The scanned target: {target}"}}


def _invocation(result: ScanResult) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": True}
    start, end = _utc(result.started_at), _utc(result.finished_at)
    if start:
        invocation["startTimeUtc"] = start
    if end:
        invocation["endTimeUtc"] = end
    invocation["toolExecutionNotifications"] = [_notification(w) for w in result.warnings]
    return invocation


def _notification(warning: ScanWarning) -> dict[str, Any]:
    note: dict[str, Any] = {"level": "warning", "message": {"text": warning.message}}
    if warning.location is not None:
        physical = _physical(warning.location)
        if physical is not None:
            note["locations"] = [{"physicalLocation": physical}]
        elif warning.location.uri:
            note["locations"] = [{"logicalLocations": [{"fullyQualifiedName": warning.location.uri}]}]
    note["properties"] = {"source": warning.source, "kind": warning.kind}
    return note


def _utc(text: str) -> str | None:
    """ISO 8601 -> SARIF's UTC form ``2024-05-01T12:00:00Z``; None when it does not parse."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
