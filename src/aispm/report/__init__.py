"""Reports of a scan: ``table``, ``json``, ``sarif`` and ``html`` renderers and a terminal summary.

Every renderer is ``ScanResult -> str`` and shows only what the result holds (secrets in it are
already redacted).  Formats are described in ``docs/output-formats.md``.
"""

from __future__ import annotations

from collections.abc import Callable

from aispm.core.model import ScanResult
from aispm.report.gate import severity_at_least
from aispm.report.html_report import render_html
from aispm.report.json_report import render_json
from aispm.report.sarif import render_sarif
from aispm.report.summary import summary
from aispm.report.table import render_table

RENDERERS: dict[str, Callable[[ScanResult], str]] = {
    "table": render_table,
    "json": render_json,
    "sarif": render_sarif,
    "html": render_html,
}
"""Format name -> renderer."""

FORMATS: tuple[str, ...] = tuple(RENDERERS)


def render(result: ScanResult, fmt: str) -> str:
    """Render a scan in one of :data:`FORMATS`; raises ValueError for any other format."""
    renderer = RENDERERS.get(str(fmt).lower())
    if renderer is None:
        raise ValueError(f"unknown report format {fmt!r}; use one of: {', '.join(FORMATS)}")
    return renderer(result)


__all__ = ["FORMATS", "render", "severity_at_least", "summary"]
