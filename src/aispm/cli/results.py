"""What ``aispm scan`` and ``aispm model scan`` do with a finished scan: keep it in the store and
turn it into an exit status.  Imports nothing heavy (no Typer, Rich or SQLAlchemy) until used."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from aispm.cli.errors import EXIT_ERROR, fail
from aispm.core.model import ScanResult, Severity

if TYPE_CHECKING:
    from rich.console import Console

EXIT_FINDINGS = 1
"""Findings at or above ``--fail-on`` exist."""
EXIT_WARNINGS = 3
"""The scan finished, but some inputs could not be read; the report lists them."""

__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_WARNINGS", "exit_status", "parse_threshold", "store_result"]


def parse_threshold(fail_on: str | None) -> Severity | None:
    """The severity of ``--fail-on``; a bad value is Typer's ``BadParameter`` (a usage error)."""
    if fail_on is None:
        return None
    try:
        return Severity.parse(fail_on)
    except ValueError as exc:
        import typer

        raise typer.BadParameter(str(exc), param_hint="--fail-on") from None


def store_result(result: ScanResult, db: str | None, no_store: bool, console: Console) -> ScanResult:
    """Keep ``result`` in the store (unless ``no_store``) with its id and suppressions."""
    if no_store:
        return result
    from aispm.store import Store

    try:
        store = Store.open(db)
        scan_id = store.save_scan(result)
        suppressed = store.suppressed()
    except Exception as exc:
        fail(exc)
    console.print(f"Scan [bold]{scan_id}[/] stored in {store.display_url}")
    return dataclasses.replace(result, scan_id=scan_id, suppressed=suppressed)


def exit_status(result: ScanResult, threshold: Severity | None) -> int:
    """1 when a finding reaches ``threshold``; else 3 when an input could not be read; else 0."""
    if threshold is not None:
        from aispm.report.gate import severity_at_least

        if severity_at_least(result, threshold):
            return EXIT_FINDINGS
    if any(w.kind != "info" for w in result.warnings):
        return EXIT_WARNINGS  # something could not be read: a partial scan must not look clean
    return 0
