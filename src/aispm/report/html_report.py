"""The HTML report: one self-contained page (inline CSS and JS, nothing loaded from anywhere).

Everything from the scan is escaped by Jinja2's autoescape.  The page carries a Content Security
Policy that allows only its own inline style and script (by hash), so even a mistake in escaping
could not run injected script or load a remote resource.
"""

from __future__ import annotations

import base64
import hashlib
import json
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from aispm.core.model import JSON, Asset, Finding, ScanResult, ScanWarning
from aispm.report.common import (
    SEVERITIES_DESC,
    TOOL_NAME,
    TOOL_VERSION,
    counts,
    finding_location,
    is_suppressed,
    location_text,
    rule_for,
    short_fingerprint,
    sorted_assets,
    sorted_findings,
)

MAX_PROPERTIES = 12
"""How many properties of an asset the inventory shows."""
MAX_VALUE = 160
"""Longer property values are cut to this many characters."""

_env = Environment(
    loader=PackageLoader("aispm.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render_html(result: ScanResult) -> str:
    """Render a scan as a single HTML page."""
    css = _asset_text("report.css")
    js = _asset_text("report.js")
    csp = (
        "default-src 'none'; "
        f"style-src '{_csp_hash(css)}'; script-src '{_csp_hash(js)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return _env.get_template("report.html.j2").render(
        tool={"name": TOOL_NAME, "version": TOOL_VERSION},
        result=result,
        counts=counts(result),
        severities=[s.value for s in SEVERITIES_DESC],
        groups=_finding_groups(result),
        inventory=_inventory(result),
        warnings=[_warning(w) for w in result.warnings],
        css=Markup(css),  # our own packaged file, not scan data
        js=Markup(js),  # our own packaged file, not scan data
        csp=Markup(csp),  # built here from hashes, no scan data
    )


def _asset_text(name: str) -> str:
    return (files("aispm.report") / "templates" / name).read_text(encoding="utf-8")


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _finding_groups(result: ScanResult) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for finding in sorted_findings(result):
        groups.setdefault(finding.severity.value, []).append(_finding(result, finding))
    return [{"severity": sev, "findings": items} for sev, items in groups.items()]


def _finding(result: ScanResult, finding: Finding) -> dict[str, Any]:
    rule = rule_for(result, finding)
    asset = result.inventory.get(finding.asset_id)
    location = location_text(finding_location(result, finding))
    name = asset.name if asset is not None else finding.asset_id
    view = {
        "severity": finding.severity.value,
        "rule_id": finding.rule_id,
        "title": rule.title,
        "message": finding.message,
        "location": location,
        "asset_name": name,
        "asset_id": finding.asset_id,
        "asset_kind": asset.kind.value if asset is not None else "",
        "fingerprint": finding.fingerprint,
        "fingerprint_short": short_fingerprint(finding),
        "suppressed": is_suppressed(result, finding),
        "unknown": finding.status == "unknown",
        "rationale": rule.rationale,
        "remediation": rule.remediation,
        "owasp_llm": list(rule.owasp_llm),
        "mitre_atlas": list(rule.mitre_atlas),
        "references": [_reference(ref) for ref in rule.references],
        "evidence": _pretty(dict(finding.evidence)) if finding.evidence else "",
    }
    searchable = (finding.rule_id, rule.title, finding.message, location, name, finding.asset_id)
    view["search"] = " ".join((*searchable, finding.fingerprint)).lower()
    return view


def _reference(ref: str) -> dict[str, str | None]:
    """A reference; web addresses become links (only http/https, never ``javascript:`` and the like)."""
    href = ref if ref.startswith(("https://", "http://")) else None
    return {"text": ref, "href": href}


def _inventory(result: ScanResult) -> list[dict[str, Any]]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for asset in sorted_assets(result):
        kinds.setdefault(asset.kind.value, []).append(_asset(asset))
    return [{"kind": kind, "assets": assets} for kind, assets in kinds.items()]


def _asset(asset: Asset) -> dict[str, Any]:
    props = [
        (key, _short(value)) for key, value in sorted(asset.properties.items()) if value not in (None, "")
    ]
    return {
        "id": asset.id,
        "name": asset.name,
        "provider": asset.provider,
        "location": location_text(asset.location),
        "tags": list(asset.tags),
        "properties": props[:MAX_PROPERTIES],
        "more_properties": max(0, len(props) - MAX_PROPERTIES),
    }


def _warning(warning: ScanWarning) -> dict[str, str]:
    return {
        "source": warning.source,
        "kind": "coverage gap" if warning.kind == "coverage_gap" else warning.kind,
        "gap": "true" if warning.kind == "coverage_gap" else "",
        "message": warning.message,
        "location": location_text(warning.location),
    }


def _short(value: JSON) -> str:
    """A property value as one short line of text."""
    if isinstance(value, str):
        out = value
    elif isinstance(value, list) and all(isinstance(v, str | int | float | bool) for v in value):
        out = ", ".join(str(v) for v in value)
    elif isinstance(value, bool | int | float):
        out = json.dumps(value)
    else:
        out = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
    return out if len(out) <= MAX_VALUE else out[: MAX_VALUE - 1] + "…"


def _pretty(value: JSON) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
