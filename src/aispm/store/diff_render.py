"""Rendering a :class:`ScanDiff` in every report format.

table and json show the whole diff; SARIF carries the findings that are new or changed in the
newer scan (what a code-scanning upload of "what this change introduced" wants); HTML is a
single self-contained page of the whole diff.
"""

from __future__ import annotations

import dataclasses
import html
import io
import json

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from aispm.core.model import Asset, Finding, ScanResult, Severity
from aispm.store.diff import ScanDiff

TEXT_WIDTH = 160
"""Width of tables rendered to a string (files, pipes)."""

_SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render_diff(diff: ScanDiff, fmt: str, new_scan: ScanResult | None = None) -> str:
    """The diff as ``table`` (plain text), ``json``, ``sarif`` or ``html``.

    ``sarif`` needs ``new_scan`` (the newer scan, for rule metadata); other formats ignore it.
    """
    fmt = str(fmt).lower()
    if fmt == "json":
        return json.dumps(diff.to_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "table":
        return to_text(diff_table(diff))
    if fmt == "sarif":
        if new_scan is None:
            raise ValueError("a SARIF diff needs the newer scan")
        from aispm.report import render

        introduced = diff.findings_added + tuple(c.new for c in diff.findings_changed)
        return render(dataclasses.replace(new_scan, findings=introduced), "sarif")
    if fmt == "html":
        return diff_html(diff)
    raise ValueError(f"unknown format {fmt!r}; use table, json, sarif or html")


def diff_html(diff: ScanDiff) -> str:
    """A single self-contained HTML page of the diff; every value is escaped."""
    e = html.escape
    rows: list[str] = []

    def section(title: str, head: tuple[str, ...], body: list[tuple[str, ...]]) -> None:
        if not body:
            return
        rows.append(f"<h2>{e(title)} ({len(body)})</h2><table><tr>")
        rows.append("".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
        for cells in body:
            rows.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
        rows.append("</table>")

    asset_head = ("Kind", "Name", "Location", "Id")

    def asset_row(a: Asset) -> tuple[str, ...]:
        return (a.kind.value, a.name, str(a.location or ""), a.id)

    def finding_row(f: Finding) -> tuple[str, ...]:
        return (f.severity.value, f.rule_id, f.message, str(f.location or ""), f.fingerprint[:12])

    finding_head = ("Severity", "Rule", "Message", "Location", "Fingerprint")
    section("Findings added", finding_head, [finding_row(f) for f in _by_severity(diff.findings_added)])
    section("Findings removed", finding_head, [finding_row(f) for f in _by_severity(diff.findings_removed)])
    section(
        "Findings changed",
        ("Was", "Now", "Rule", "Message", "Changed", "Fingerprint"),
        [
            (
                c.old.severity.value,
                c.new.severity.value,
                c.new.rule_id,
                c.new.message,
                ", ".join(c.changed),
                c.new.fingerprint[:12],
            )
            for c in diff.findings_changed
        ],
    )
    section("Assets added", asset_head, [asset_row(a) for a in diff.assets_added])
    section("Assets removed", asset_head, [asset_row(a) for a in diff.assets_removed])
    section(
        "Assets changed",
        ("Kind", "Name", "Changed", "Id"),
        [(c.new.kind.value, c.new.name, ", ".join(c.changed), c.new.id) for c in diff.assets_changed],
    )
    body = "".join(rows) or "<p>No changes.</p>"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>aispm diff {e(diff.old_id)} → {e(diff.new_id)}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24}"
        "table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}"
        "th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;"
        "font-size:.9rem}"
        "th{background:#f6f8fa}</style></head><body>"
        f"<h1>aispm: scan {e(diff.old_id)} → scan {e(diff.new_id)}</h1><p>{e(summary(diff))}</p>"
        f"{body}</body></html>\n"
    )


def to_text(renderable: RenderableType, width: int = TEXT_WIDTH) -> str:
    """A Rich renderable as plain text (no colours or control codes)."""
    buffer = io.StringIO()
    Console(file=buffer, width=width, no_color=True, force_terminal=False, highlight=False).print(renderable)
    return buffer.getvalue()


def summary(diff: ScanDiff) -> str:
    """One line: counts of added (+), removed (-) and changed (~) assets and findings."""
    return (
        f"scan {diff.old_id} -> scan {diff.new_id}: "
        f"assets +{len(diff.assets_added)} -{len(diff.assets_removed)} ~{len(diff.assets_changed)}, "
        f"findings +{len(diff.findings_added)} -{len(diff.findings_removed)} ~{len(diff.findings_changed)}"
    )


def diff_table(diff: ScanDiff) -> RenderableType:
    """The diff as Rich renderables: a summary line, then asset and finding tables."""
    if diff.empty:
        return Text(f"No changes between scan {diff.old_id} and scan {diff.new_id}.")
    parts: list[RenderableType] = [Text(summary(diff), style="bold")]
    if diff.assets_added or diff.assets_removed or diff.assets_changed:
        parts.append(_assets_table(diff))
    if diff.findings_added or diff.findings_removed or diff.findings_changed:
        parts.append(_findings_table(diff))
    return Group(*parts)


def _assets_table(diff: ScanDiff) -> Table:
    table = Table(title="Assets", title_justify="left", expand=False)
    for column in ("", "Kind", "Name", "Changed", "Id"):
        table.add_column(column, overflow="fold")

    def row(mark: str, style: str, asset: Asset, changed: str = "") -> None:
        table.add_row(
            Text(mark, style=style),
            Text(asset.kind.value),
            Text(asset.name),
            Text(changed),
            Text(asset.id, style="dim"),
        )

    for asset in diff.assets_added:
        row("+", "green", asset)
    for asset in diff.assets_removed:
        row("-", "red", asset)
    for change in diff.assets_changed:
        row("~", "yellow", change.new, ", ".join(change.changed))
    return table


def _findings_table(diff: ScanDiff) -> Table:
    table = Table(title="Findings", title_justify="left", expand=False)
    for column in ("", "Severity", "Rule", "Message", "Fingerprint"):
        table.add_column(column, overflow="fold")

    def row(mark: str, style: str, finding: Finding, severity: Text | None = None) -> None:
        table.add_row(
            Text(mark, style=style),
            severity or _severity(finding.severity),
            Text(finding.rule_id),
            Text(finding.message),
            Text(finding.fingerprint[:12], style="dim"),
        )

    for finding in _by_severity(diff.findings_added):
        row("+", "green", finding)
    for finding in _by_severity(diff.findings_removed):
        row("-", "red", finding)
    for change in diff.findings_changed:
        severity = _severity(change.new.severity)
        if "severity" in change.changed:
            severity = Text.assemble(_severity(change.old.severity), " -> ", severity)
        row("~", "yellow", change.new, severity)
    return table


def _severity(severity: Severity) -> Text:
    return Text(severity.value, style=_SEVERITY_STYLE[severity])


def _by_severity(findings: tuple[Finding, ...]) -> list[Finding]:
    return sorted(findings, key=lambda f: -f.severity.rank)
