"""Rendering a :class:`ScanDiff` as text: a Rich table or JSON.

``render_diff`` is the hook for every ``--format``; SARIF and HTML are not handled here yet and
raise ``ValueError`` (the report package wires them).
"""

from __future__ import annotations

import io
import json

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from aispm.core.model import Asset, Finding, Severity
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


def render_diff(diff: ScanDiff, fmt: str) -> str:
    """The diff as ``table`` (plain text) or ``json``; any other format raises ``ValueError``."""
    fmt = str(fmt).lower()
    if fmt == "json":
        return json.dumps(diff.to_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "table":
        return to_text(diff_table(diff))
    raise ValueError(f"the diff cannot be rendered as {fmt!r} yet; use --format table or json")


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
