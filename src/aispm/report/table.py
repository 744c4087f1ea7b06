"""The ``table`` format: the terminal tables rendered to plain text (no colour codes)."""

from __future__ import annotations

from io import StringIO

from rich.console import Console
from rich.text import Text

from aispm.core.model import ScanResult
from aispm.report.common import counts, sorted_findings
from aispm.report.rich_tables import (
    assets_table,
    findings_table,
    kind_counts_table,
    severity_counts_table,
    text,
    warnings_table,
)

DEFAULT_WIDTH = 120


def render_table(result: ScanResult, width: int = DEFAULT_WIDTH) -> str:
    """Render header, inventory, findings (worst first) and warnings as plain-text tables."""
    out = StringIO()
    console = Console(
        file=out, width=width, force_terminal=False, color_system=None, highlight=False, emoji=False
    )
    c = counts(result)
    console.print(text(f"aispm scan of {result.target}", style="bold"))
    console.print(text(f"started {result.started_at}, finished {result.finished_at}"))
    if result.scan_id:
        console.print(text(f"scan id {result.scan_id}"))
    console.print(
        Text(
            f"{c.assets} assets, {c.relationships} relationships, {c.active} active findings, "
            f"{c.suppressed} suppressed, {c.warnings} warnings"
        )
    )
    console.print()
    console.print(kind_counts_table(result))
    console.print(assets_table(result))
    console.print(severity_counts_table(result))
    console.print(findings_table(result, sorted_findings(result)))
    console.print(warnings_table(result.warnings))
    return out.getvalue()
