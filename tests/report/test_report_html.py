import base64
import hashlib
import html
import re

from aispm.core.model import ScanResult
from aispm.report import render
from aispm.report.html_report import render_html

XSS = "<script>alert(1)</script>"


def test_contains_scan_findings_inventory_and_warnings(result: ScanResult) -> None:
    page = render(result, "html")
    assert page.startswith("<!DOCTYPE html>")
    for rule_id in (*result.rules, "AISPM-UNKNOWN-999"):
        assert rule_id in page
    assert "/home/dev/acme app" in page and "scan-42" in page
    assert "Revoke the key and load it from a secret manager." in page  # remediation
    assert "LLM02:2025" in page and "AML.T0055" in page
    assert "sk-proj-…wxyz" in page  # evidence, as redacted in the result
    for finding in result.findings:
        assert finding.fingerprint in page
    assert "could not parse notebook" in page and "access denied" in page
    assert 'id="search"' in page and 'data-sev="critical"' in page
    assert 'data-suppressed="true"' in page


def test_findings_grouped_worst_first(result: ScanResult) -> None:
    page = render_html(result)
    groups = re.findall(r'<div class="sev-group" data-sev="(\w+)">', page)
    assert groups == ["critical", "high", "medium", "low", "info"]


def test_scan_content_is_escaped(result: ScanResult) -> None:
    page = render_html(result)
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # the only script element is the report's own
    assert page.count("<script") == 1
    assert 'href="javascript:' not in page


def test_self_contained_with_strict_csp(result: ScanResult) -> None:
    page = render_html(result)
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", page)
    assert not re.search(r"<link[^>]*href=", page)
    assert "@import" not in page and "url(" not in page
    # links (plain references) are the only web addresses
    for match in re.finditer(r"https?://", page):
        before = page[max(0, match.start() - 10) : match.start()]
        assert 'href="' in before or ">" in before, before
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp
    policy = html.unescape(csp.group(1))
    assert "default-src 'none'" in policy
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert script
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy


def test_empty_scan(empty: ScanResult) -> None:
    page = render_html(empty)
    assert "No findings." in page and "No assets found." in page and "No warnings." in page
