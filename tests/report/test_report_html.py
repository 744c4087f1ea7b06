import base64
import hashlib
import html
import json
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from aispm.core.model import Inventory, ScanResult
from aispm.paths.analysis import analyse, with_escalations
from aispm.report import render
from aispm.report.html_report import render_html

XSS = "<script>alert(1)</script>"

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from paths.estate import build  # noqa: E402


@pytest.fixture
def paths_result() -> ScanResult:
    """The attack-path estate, with a Lambda named like a script tag on the best paths."""
    result = build()
    inv = Inventory.of(
        [
            replace(a, name=XSS) if (a.name, a.source) == ("infer", "aws") else a
            for a in result.inventory.assets
        ]
    )
    for rel in result.inventory.relationships:
        inv.add_relationship(rel)
    return replace(result, inventory=inv)


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
    # the only script element is the report's own (no attack paths here, so no graph script)
    assert page.count("<script") == 1
    assert 'href="javascript:' not in page


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def assert_self_contained(page: str, scripts: int) -> None:
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=", page)
    assert not re.search(r"<link[^>]*href=", page)
    assert "@import" not in page and "url(" not in page
    # links (plain references) are the only web addresses; the SVG namespace name is not fetched
    for match in re.finditer(r"https?://", page.replace('"http://www.w3.org/2000/svg"', "")):
        before = page[max(0, match.start() - 10) : match.start()]
        assert 'href="' in before or ">" in before, before
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp
    policy = html.unescape(csp.group(1))
    assert "default-src 'none'" in policy
    # every script that runs is the report's own, allowed by its hash; data blocks do not run
    code = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(code) == scripts
    allowed = re.search(r"script-src ([^;]+);", policy)
    assert allowed and allowed.group(1).split() == [_sha256(c) for c in code]
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style and f"style-src {_sha256(style.group(1))}" in policy
    tags = sorted(re.findall(r"<script( [^>]*)?>", page))
    assert tags == sorted(
        [""] * scripts + ([' type="application/json" id="paths-data"'] if scripts > 1 else [])
    )


def test_self_contained_with_strict_csp(result: ScanResult) -> None:
    assert_self_contained(render_html(result), scripts=1)  # no attack paths: no graph script


def test_attack_paths_section(paths_result: ScanResult) -> None:
    page = render_html(paths_result)
    assert_self_contained(page, scripts=2)
    section = page[page.index('<section id="attack-paths">') : page.index('<section id="inventory">')]
    assert "Attack paths <span" in section and "Toxic combinations" in section
    assert section.count('<details class="path"') == len(analyse(paths_result).paths)
    # ranked, with score parts, ATLAS tags, steps naming findings and the toxic raise
    assert "#1 · score 8.1 · change Privileged identity" in section
    assert "score 8.1 = entry 1.0 \u00d7 steps 1.0 \u00d7 0.9 \u00d7 value 9.0" in section
    assert '<span class="tag">AML.T0040</span>' in section
    assert "AISPM-AWS-040 medium → critical" in section
    assert "toxic combination public-inference-broad-role: AISPM-AWS-044 raised medium → critical" in section
    assert section.count('<svg class="graph" data-path="') == section.count('<details class="path"')
    assert 'href="#path-1"' in section
    # the graph data: the same paths, escaped for a script block
    data = re.search(r'<script type="application/json" id="paths-data">(.*?)</script>', page, re.S)
    assert data and json.loads(data.group(1))["paths"][0]["crown_jewel"]["name"] == "infer-role"


def test_attack_paths_escape_scan_text(paths_result: ScanResult) -> None:
    page = render_html(paths_result)
    assert XSS not in page
    section = page[page.index('<section id="attack-paths">') : page.index('<section id="inventory">')]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section  # an asset name on a path
    data = re.search(r'<script type="application/json" id="paths-data">(.*?)</script>', page, re.S)
    assert data and "<" not in data.group(1) and "\\u003cscript\\u003e" in data.group(1)


def test_raised_findings_show_original_and_reason(paths_result: ScanResult) -> None:
    page = render_html(with_escalations(paths_result))
    assert page.count('<span class="badge raised"') == 2
    assert "from medium</span>" in page
    assert "Severity raised</dt><dd>medium → critical" in page
    groups = re.findall(r'<div class="sev-group" data-sev="(\w+)">', page)
    assert groups[0] == "critical"


def test_many_paths_draw_the_highest_scores_only(
    paths_result: ScanResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aispm.report.html_report as html_report

    monkeypatch.setattr(html_report, "MAX_PATHS", 3)
    page = render_html(paths_result)
    total = len(analyse(paths_result).paths)
    assert f"({total} found, the 3 highest scores drawn" in page
    assert page.count('<details class="path"') == 3


def test_empty_scan(empty: ScanResult) -> None:
    page = render_html(empty)
    assert "No findings." in page and "No assets found." in page and "No warnings." in page
