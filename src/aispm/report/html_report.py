"""The HTML report: one self-contained page (inline CSS and JS, nothing loaded from anywhere).

Everything from the scan is escaped by Jinja2's autoescape.  The page carries a Content Security
Policy that allows only its own inline style and scripts (by hash), so even a mistake in escaping
could not run injected script or load a remote resource.

Besides findings, inventory and warnings the page has an "Attack paths" section: the highest
scoring paths from entry points to crown jewels (:mod:`aispm.paths`), each drawn as a graph to pan,
zoom and click by the renderer the ``aispm paths`` page uses (:mod:`aispm.report.graph_html`), and
the toxic combinations that raise findings' severities.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from aispm.core.model import JSON, Asset, Finding, ScanResult, ScanWarning
from aispm.paths.toxic import ESCALATED_BY, ORIGINAL_SEVERITY, escalation_reasons, original_severity
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
from aispm.report.html_base import asset_text, content_security_policy, env

MAX_PROPERTIES = 12
"""How many properties of an asset the inventory shows."""
MAX_VALUE = 160
"""Longer property values are cut to this many characters."""
MAX_PATHS = 20
"""How many attack paths (highest score first) the report draws; ``aispm paths`` lists all."""


def render_html(result: ScanResult) -> str:
    """Render a scan as a single HTML page."""
    from aispm.paths.analysis import analyse
    from aispm.report.graph_html import attack_paths_view, graph_script, graph_style

    analysis = analyse(result)
    attack = attack_paths_view(analysis.graph, analysis.paths, MAX_PATHS)
    css = asset_text("report.css") + graph_style()
    js = asset_text("report.js")
    graph_js = graph_script() if attack["paths"] else ""
    csp = content_security_policy(css, [js, graph_js] if graph_js else [js])
    return env.get_template("report.html.j2").render(
        tool={"name": TOOL_NAME, "version": TOOL_VERSION},
        result=result,
        counts=counts(result),
        severities=[s.value for s in SEVERITIES_DESC],
        groups=_finding_groups(result),
        inventory=_inventory(result),
        warnings=[_warning(w) for w in result.warnings],
        attack=attack,
        css=Markup(css),  # our own packaged files, not scan data
        js=Markup(js),
        graph_js=Markup(graph_js),
        csp=Markup(csp),  # built here from hashes, no scan data
    )


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
    raised_by = escalation_reasons(finding)
    evidence = {k: v for k, v in finding.evidence.items() if k not in (ESCALATED_BY, ORIGINAL_SEVERITY)}
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
        "evidence": _pretty(evidence) if evidence else "",
        "original_severity": original_severity(finding).value if raised_by else "",
        "raised_by": raised_by,
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
