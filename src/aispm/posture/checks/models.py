"""Model artifacts: what the model-file scanner found inside them, and their provenance.

The checks read two properties of ``model_artifact`` assets: ``scan`` (``ArtifactScan.to_json()``:
``verdict``, ``issues``, ``error`` and nested ``members``) and ``provenance``
(``Provenance.to_json()``), plus ``previous_sha256`` when the scan knew the file's earlier hash.
Properties are data from a scan, so every value is type-checked before use.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aispm.core.model import Asset, AssetKind, Finding, Inventory, Severity
from aispm.posture.helpers import finding, shorten
from aispm.posture.policy import Policy
from aispm.posture.registry import check

_MALFORMED_KINDS = frozenset({"header_invalid", "limit"})
_SEVERE = frozenset({Severity.CRITICAL, Severity.HIGH})


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _severity(value: object) -> Severity | None:
    try:
        return Severity(str(value))
    except ValueError:
        return None


def _scans(scan: Mapping[str, Any], depth: int = 0) -> Iterator[Mapping[str, Any]]:
    """The scan and every nested member scan (bounded depth)."""
    yield scan
    if depth >= 32:
        return
    for member in scan.get("members") or ():
        if isinstance(member, dict):
            yield from _scans(member, depth + 1)


def _issues(artifact: Asset) -> Iterator[tuple[Mapping[str, Any], Severity]]:
    """Every issue of the artifact's scan (members included), with its parsed severity."""
    top = _mapping(artifact.properties.get("scan"))
    for scan in _scans(top):
        for issue in scan.get("issues") or ():
            if not isinstance(issue, dict):
                continue
            severity = _severity(issue.get("severity"))
            if severity is None:
                continue
            member = issue.get("member") or (scan.get("path") if scan is not top else None)
            yield {**issue, "member": member}, severity


def _where(artifact: Asset, member: object) -> str:
    place = str(artifact.location or artifact.name)
    return f"{place} ({member})" if member and str(member) != place else place


def _issue_evidence(artifact: Asset, issue: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": issue.get("kind"),
        "detail": shorten(str(issue.get("detail") or ""), 500),
        "callable": issue.get("callable"),
        "member": issue.get("member"),
        "offset": issue.get("offset"),
        "format": artifact.properties.get("format"),
        "sha256": artifact.properties.get("sha256"),
    }


def _discriminator(issue: Mapping[str, Any]) -> str:
    what = issue.get("callable") or str(issue.get("detail") or "")[:200]
    return f"{issue.get('member') or ''}|{issue.get('kind')}|{what}"


def _artifacts(inventory: Inventory) -> Iterator[Asset]:
    return inventory.of_kind(AssetKind.MODEL_ARTIFACT)


@check("AISPM-SUP-020")
def model_runs_code(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for artifact in _artifacts(inventory):
        for issue, severity in _issues(artifact):
            if severity not in _SEVERE:
                continue
            yield finding(
                "AISPM-SUP-020",
                artifact,
                f"model file {_where(artifact, issue.get('member'))}: {issue.get('detail')} "
                f"({issue.get('kind')}) runs when the file is loaded",
                evidence=_issue_evidence(artifact, issue),
                discriminator=_discriminator(issue),
                severity=severity,
            )


@check("AISPM-SUP-021")
def model_unknown_callable(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for artifact in _artifacts(inventory):
        for issue, severity in _issues(artifact):
            if severity in _SEVERE or issue.get("kind") in _MALFORMED_KINDS:
                continue
            yield finding(
                "AISPM-SUP-021",
                artifact,
                f"model file {_where(artifact, issue.get('member'))} calls {issue.get('detail')} "
                f"({issue.get('kind')}), which is not known to be safe",
                evidence=_issue_evidence(artifact, issue),
                discriminator=_discriminator(issue),
                severity=severity if severity.rank >= Severity.MEDIUM.rank else None,
            )


@check("AISPM-SUP-022")
def model_unscannable(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for artifact in _artifacts(inventory):
        scan = _mapping(artifact.properties.get("scan"))
        problems = [
            f"{s.get('path')}: {s.get('error')}" if s is not scan else str(s.get("error"))
            for s in _scans(scan)
            if s.get("error")
        ]
        problems += [
            str(issue.get("detail"))
            for issue, severity in _issues(artifact)
            if issue.get("kind") in _MALFORMED_KINDS and severity not in _SEVERE
        ]
        if not problems:
            continue
        yield finding(
            "AISPM-SUP-022",
            artifact,
            f"model file {artifact.location or artifact.name} could not be fully scanned: {problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
            evidence={"problems": [shorten(p, 300) for p in problems[:20]], "format": scan.get("format")},
        )


def _provenance(artifact: Asset) -> Mapping[str, Any] | None:
    value = artifact.properties.get("provenance")
    return value if isinstance(value, dict) else None


@check("AISPM-SUP-023")
def model_signature_invalid(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for artifact in _artifacts(inventory):
        signature = _mapping(_mapping(_provenance(artifact)).get("signature"))
        if signature.get("status") != "invalid":
            continue
        yield finding(
            "AISPM-SUP-023",
            artifact,
            f"model file {artifact.location or artifact.name}: signature {signature.get('path')} does not "
            f"verify: {signature.get('detail')}",
            evidence={
                "signature": signature.get("path"),
                "kind": signature.get("kind"),
                "detail": shorten(str(signature.get("detail") or ""), 500),
                "sha256": artifact.properties.get("sha256"),
            },
        )


@check("AISPM-SUP-024")
def model_unknown_origin(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for artifact in _artifacts(inventory):
        provenance = _provenance(artifact)
        if provenance is None or provenance.get("source_known"):
            continue
        if _mapping(provenance.get("signature")).get("status") not in (None, "absent"):
            continue
        yield finding(
            "AISPM-SUP-024",
            artifact,
            f"model file {artifact.location or artifact.name} has no model card, no config naming its "
            "origin, no hub snapshot and no signature: its source is unknown",
            evidence={
                "format": artifact.properties.get("format"),
                "sha256": artifact.properties.get("sha256"),
            },
        )


@check("AISPM-SUP-025")
def model_license(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    allowed = {lic.lower() for lic in policy.allowed_model_licenses}
    for artifact in _artifacts(inventory):
        provenance = _provenance(artifact)
        if provenance is None or not provenance.get("model_card"):
            continue  # no card at all: AISPM-SUP-024 reports the unknown origin
        license_ = provenance.get("license")
        if not isinstance(license_, str) or not license_:
            yield finding(
                "AISPM-SUP-025",
                artifact,
                f"model file {artifact.location or artifact.name}: its model card "
                f"{provenance.get('model_card')} names no licence",
                evidence={"license": None, "model_card": provenance.get("model_card")},
                discriminator="missing",
                severity=Severity.LOW,
            )
        elif allowed and license_.lower() not in allowed:
            yield finding(
                "AISPM-SUP-025",
                artifact,
                f"model file {artifact.location or artifact.name} is licensed {license_!r}, which "
                "allowed_model_licenses does not list",
                evidence={"license": license_, "allowed_model_licenses": sorted(allowed)},
                discriminator=f"license|{license_.lower()}",
            )


@check("AISPM-SUP-026")
def model_hash_changed(inventory: Inventory, policy: Policy) -> Iterator[Finding]:
    for artifact in _artifacts(inventory):
        previous = artifact.properties.get("previous_sha256")
        current = artifact.properties.get("sha256")
        if not isinstance(previous, str) or not isinstance(current, str) or previous == current:
            continue
        yield finding(
            "AISPM-SUP-026",
            artifact,
            f"model file {artifact.location or artifact.name} changed since the previous scan "
            f"(sha256 {previous[:12]}… → {current[:12]}…)",
            evidence={"previous_sha256": previous, "sha256": current},
            discriminator=f"{previous}>{current}",
        )
