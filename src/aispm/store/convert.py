"""Conversion between core values and the store's row dictionaries / rows.

Writing produces plain dicts (for batched ``INSERT``s); reading turns table rows (plain
``Row`` objects of the ``scan_*`` tables) back into the exact core values that were saved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Row

from aispm.core.model import (
    JSON,
    Asset,
    AssetKind,
    Finding,
    Location,
    RelationKind,
    Relationship,
    RuleMeta,
    ScanWarning,
    Severity,
)
from aispm.store.errors import StoreError

_KINDS = {k.value: k for k in AssetKind}
_RELATIONS = {k.value: k for k in RelationKind}
_SEVERITIES = {k.value: k for k in Severity}
"""Enum lookups by value (much faster than calling the enum for 100k rows)."""

E = TypeVar("E")


def _member(members: Mapping[str, E], value: str, what: str) -> E:
    try:
        return members[value]
    except KeyError:
        raise StoreError(
            f"the history holds {what} {value!r}, which this aispm version does not know; "
            "it was probably written by a newer aispm. Upgrade aispm to read it."
        ) from None


Values = dict[str, Any]
"""Column values of one row to insert."""


def _location_columns(location: Location | None) -> Values:
    if location is None:
        return {"location_path": None, "location_line": None, "location_uri": None}
    return {"location_path": location.path, "location_line": location.line, "location_uri": location.uri}


def _location(path: str | None, line: int | None, uri: str | None) -> Location | None:
    if path is None and line is None and uri is None:
        return None
    return Location(path=path, line=line, uri=uri)


def content_hash(asset: Asset) -> str:
    """sha256 of the asset's canonical JSON; two scans saw the same asset iff the hashes match."""
    text = json.dumps(asset.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def asset_row(scan_id: int, seq: int, asset: Asset) -> Values:
    return {
        "scan_id": scan_id,
        "asset_id": asset.id,
        "seq": seq,
        "kind": asset.kind.value,
        "name": asset.name,
        "provider": asset.provider,
        **_location_columns(asset.location),
        "properties": dict(asset.properties),
        "tags": list(asset.tags),
        "source": asset.source,
        "content_hash": content_hash(asset),
    }


def relationship_row(scan_id: int, seq: int, rel: Relationship) -> Values:
    return {
        "scan_id": scan_id,
        "seq": seq,
        "source": rel.source,
        "kind": rel.kind.value,
        "target": rel.target,
        "properties": dict(rel.properties),
    }


def finding_row(scan_id: int, seq: int, finding: Finding) -> Values:
    return {
        "scan_id": scan_id,
        "seq": seq,
        "fingerprint": finding.fingerprint,
        "rule_id": finding.rule_id,
        "asset_id": finding.asset_id,
        "severity": finding.severity.value,
        "message": finding.message,
        **_location_columns(finding.location),
        "evidence": dict(finding.evidence),
        "discriminator": finding.discriminator,
        "status": finding.status,
    }


def warning_row(scan_id: int, seq: int, warning: ScanWarning) -> Values:
    return {
        "scan_id": scan_id,
        "seq": seq,
        "source": warning.source,
        "message": warning.message,
        **_location_columns(warning.location),
        "kind": warning.kind,
    }


def to_asset(row: Row[Any]) -> Asset:
    return Asset(
        id=row.asset_id,
        kind=_member(_KINDS, row.kind, "asset kind"),
        name=row.name,
        provider=row.provider,
        location=_location(row.location_path, row.location_line, row.location_uri),
        properties=dict(row.properties),
        tags=tuple(row.tags),
        source=row.source,
    )


def to_relationship(row: Row[Any]) -> Relationship:
    return Relationship(
        row.source, _member(_RELATIONS, row.kind, "relationship kind"), row.target, dict(row.properties)
    )


def to_finding(row: Row[Any]) -> Finding:
    return Finding(
        rule_id=row.rule_id,
        asset_id=row.asset_id,
        severity=_member(_SEVERITIES, row.severity, "severity"),
        message=row.message,
        location=_location(row.location_path, row.location_line, row.location_uri),
        evidence=dict(row.evidence),
        discriminator=row.discriminator,
        status=row.status,
    )


def to_warning(row: Row[Any]) -> ScanWarning:
    return ScanWarning(
        source=row.source,
        message=row.message,
        location=_location(row.location_path, row.location_line, row.location_uri),
        kind=row.kind,
    )


def _strings(value: JSON) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def to_rule(meta: Mapping[str, JSON]) -> RuleMeta:
    """Rebuild a :class:`RuleMeta` from its ``to_json()`` form."""
    return RuleMeta(
        id=str(meta["id"]),
        title=str(meta["title"]),
        severity=_member(_SEVERITIES, str(meta["severity"]), "severity"),
        rationale=str(meta["rationale"]),
        remediation=str(meta["remediation"]),
        owasp_llm=_strings(meta.get("owasp_llm")),
        mitre_atlas=_strings(meta.get("mitre_atlas")),
        references=_strings(meta.get("references")),
        asset_kinds=tuple(_member(_KINDS, k, "asset kind") for k in _strings(meta.get("asset_kinds"))),
        tags=_strings(meta.get("tags")),
    )
