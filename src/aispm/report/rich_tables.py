"""Rich building blocks for the terminal views (the ``table`` format and the scan summary).

Every value from the scan goes into a :class:`rich.text.Text` (never parsed as markup) after
:func:`clean` has made control characters visible, so scanned content cannot restyle the table
or send escape sequences to the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich import box
from rich.table import Table
from rich.text import Text

from aispm.core.model import Finding, ScanResult, ScanWarning, Severity
from aispm.paths.toxic import escalation_reasons, original_severity
from aispm.report.common import (
    SEVERITIES_DESC,
    asset_name,
    counts,
    finding_location,
    is_suppressed,
    location_text,
    rule_for,
    short_fingerprint,
    sorted_assets,
)

SEVERITY_STYLE: dict[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(value: object) -> str:
    """The value as text with control characters (ESC, BEL, CR ...) shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def text(value: object, style: str = "") -> Text:
    return Text(clean(value), style=style)


def severity_text(severity: Severity, suffix: str = "") -> Text:
    return Text(severity.value.upper() + suffix, style=SEVERITY_STYLE[severity])


def severity_counts_table(result: ScanResult) -> Table:
    """Unsuppressed findings per severity, worst first."""
    c = counts(result)
    table = Table(title="Findings by severity", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Severity")
    table.add_column("Findings", justify="right")
    for sev in SEVERITIES_DESC:
        table.add_row(severity_text(sev), Text(str(c.active_by_severity[sev.value])))
    return table


def kind_counts_table(result: ScanResult) -> Table:
    """Assets per kind."""
    table = Table(title="Assets by kind", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Kind")
    table.add_column("Assets", justify="right")
    for kind, number in counts(result).assets_by_kind.items():
        table.add_row(Text(kind), Text(str(number)))
    return table


def assets_table(result: ScanResult) -> Table:
    """Every asset, grouped by kind."""
    table = Table(title="Inventory", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Name", overflow="fold")
    table.add_column("Provider")
    table.add_column("Location", overflow="fold")
    for asset in sorted_assets(result):
        table.add_row(
            Text(asset.kind.value),
            text(asset.name),
            text(asset.provider),
            text(location_text(asset.location)),
        )
    return table


def findings_table(result: ScanResult, findings: Iterable[Finding], title: str = "Findings") -> Table:
    """Findings in the given order: severity, rule, title, location, asset and fingerprint prefix."""
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Severity", no_wrap=True)
    table.add_column("Rule", no_wrap=True)
    table.add_column("Title", overflow="fold")
    table.add_column("Location", overflow="fold")
    table.add_column("Asset", overflow="fold")
    table.add_column("Fingerprint", no_wrap=True)
    for finding in findings:
        suffix = " (suppressed)" if is_suppressed(result, finding) else ""
        if finding.status == "unknown":
            suffix += " (unknown)"
        rule_title = text(rule_for(result, finding).title)
        raised_by = escalation_reasons(finding)
        if raised_by:
            suffix += f" (from {original_severity(finding).value})"
            rule_title.append(
                "\nraised by a toxic combination: " + clean("; ".join(raised_by)), style="italic"
            )
        table.add_row(
            severity_text(finding.severity, suffix),
            text(finding.rule_id),
            rule_title,
            text(location_text(finding_location(result, finding))),
            text(asset_name(result, finding.asset_id)),
            Text(short_fingerprint(finding), style="dim"),
        )
    return table


def warnings_table(warnings: Iterable[ScanWarning], title: str = "Warnings") -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Source", no_wrap=True)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Location", overflow="fold")
    table.add_column("Message", overflow="fold")
    for warning in warnings:
        kind = (
            Text("coverage gap", style="bold yellow")
            if warning.kind == "coverage_gap"
            else Text(warning.kind)
        )
        table.add_row(
            text(warning.source), kind, text(location_text(warning.location)), text(warning.message)
        )
    return table
