from aispm.core.model import Asset, AssetKind, Inventory, ScanResult
from aispm.report import render
from aispm.report.table import render_table


def test_sections_and_order(result: ScanResult) -> None:
    out = render(result, "table")
    for heading in ("Assets by kind", "Inventory", "Findings by severity", "Findings", "Warnings"):
        assert heading in out
    for rule_id in (*result.rules, "AISPM-UNKNOWN-999"):
        assert rule_id in out
    assert out.index("AISPM-SEC-001") < out.index("AISPM-DATA-004") < out.index("AISPM-MODEL-003")
    assert "(suppressed)" in out
    secret = next(f for f in result.findings if f.rule_id == "AISPM-SEC-001")
    assert secret.fingerprint[:12] in out and secret.fingerprint not in out
    assert "could not parse notebook" in out
    assert "\x1b[" not in out  # plain text, no colour codes


def test_scan_content_is_not_markup_or_terminal_escapes() -> None:
    inv = Inventory()
    inv.add(Asset("urn:x", AssetKind.MODEL, "[bold red]evil[/] \x1b[2J\x07", "p"))
    out = render_table(ScanResult("t", "s", "f", inv, (), {}))
    assert "[bold red]evil[/]" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J\\x07" in out


def test_width_is_respected(result: ScanResult) -> None:
    assert max(len(line) for line in render_table(result, width=100).splitlines()) <= 100
