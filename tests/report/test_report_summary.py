from io import StringIO

from rich.console import Console

from aispm.core.model import Inventory, Location, ScanResult
from aispm.report import summary


def _console() -> Console:
    return Console(file=StringIO(), record=True, width=140, force_terminal=True, color_system="truecolor")


def test_summary_shows_counts_top_findings_and_warnings(result: ScanResult) -> None:
    console = _console()
    summary(result, console)
    out = console.export_text(clear=False)
    assert "Scanned /home/dev/acme app" in out
    assert "source_file" in out and "dataset" in out
    assert "1 critical" in out and "0 high" in out and "1 info" in out
    assert "1 suppressed finding(s)" in out
    secret = next(f for f in result.findings if f.rule_id == "AISPM-SEC-001")
    assert "AISPM-SEC-001" in out and "Hard-coded AI provider API key" in out
    assert "src/my config.py:3" in out and secret.fingerprint[:12] in out
    assert "AISPM-CODE-002" not in out  # suppressed: not among the top findings
    assert "3 warning(s)" in out and "could not parse notebook" in out
    assert "\x1b[" in console.export_text(styles=True)  # severities are coloured


def test_summary_limits_findings_and_warnings(result: ScanResult) -> None:
    for i in range(8):
        result.inventory.warn("code", f"extra warning {i}", Location(path=f"f{i}.py"))
    console = _console()
    summary(result, console, top=2, first_warnings=3)
    out = console.export_text()
    assert "Top 2 of 4 findings" in out
    assert "AISPM-MODEL-003" not in out
    assert "Warnings (first 3)" in out and "extra warning" not in out


def test_summary_of_empty_scan() -> None:
    console = _console()
    summary(ScanResult("repo", "s", "f", Inventory(), (), {}), console)
    out = console.export_text()
    assert "No AI assets found." in out and "0 critical" in out and "warning" not in out
