"""A short, coloured summary of a scan for the terminal (what ``aispm scan`` prints by default)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from aispm.core.model import ScanResult
from aispm.report.common import SEVERITIES_DESC, counts, sorted_findings
from aispm.report.rich_tables import (
    SEVERITY_STYLE,
    findings_table,
    kind_counts_table,
    text,
    warnings_table,
)

TOP_FINDINGS = 10
FIRST_WARNINGS = 5


def summary(
    result: ScanResult, console: Console, top: int = TOP_FINDINGS, first_warnings: int = FIRST_WARNINGS
) -> None:
    """Print counts of assets and findings, the worst ``top`` active findings and the first warnings."""
    c = counts(result)
    console.print(text(f"Scanned {result.target}", style="bold"))
    console.print(text(f"{result.started_at} → {result.finished_at}", style="dim"))
    if c.assets:
        console.print(kind_counts_table(result))
    else:
        console.print(Text("No AI assets found."))

    line = Text("Findings: ", style="bold")
    for i, sev in enumerate(SEVERITIES_DESC):
        if i:
            line.append("  ")
        number = c.active_by_severity[sev.value]
        line.append(f"{number} {sev.value}", style=SEVERITY_STYLE[sev] if number else "dim")
    console.print(line)
    if c.suppressed:
        console.print(Text(f"{c.suppressed} suppressed finding(s) not counted.", style="dim"))
    if c.unknown:
        console.print(
            Text(
                f"{c.unknown} finding(s) unknown: a rule lacked data it needs (see coverage gaps); "
                "not a pass.",
                style="bold yellow",
            )
        )
    if c.coverage_gaps:
        console.print(
            Text(
                f"{c.coverage_gaps} coverage gap(s): parts of a source could not be inventoried.",
                style="bold yellow",
            )
        )

    active = [f for f in sorted_findings(result) if f.fingerprint not in result.suppressed]
    if active:
        shown = active[:top]
        title = f"Top {len(shown)} of {len(active)} findings" if len(active) > len(shown) else "Findings"
        console.print(findings_table(result, shown, title=title))

    if c.warnings:
        console.print(
            Text(f"{c.warnings} warning(s): parts of the target could not be read.", style="yellow")
        )
        first = result.warnings[:first_warnings]
        more = f" (first {len(first)})" if c.warnings > len(first) else ""
        console.print(warnings_table(first, title=f"Warnings{more}"))
