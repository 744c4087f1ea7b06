"""Coverage gaps and ``unknown`` findings are shown, and told apart, in every report format."""

from __future__ import annotations

import dataclasses
import json

from aispm.core.model import Finding, Location, ScanResult, Severity
from aispm.report import render

GAP_MESSAGE = "bedrock list_guardrails in us-east-1: denied (AccessDeniedException)"


def _with_gap_and_unknown(result: ScanResult) -> ScanResult:
    result.inventory.warn(
        "aws", GAP_MESSAGE, Location(uri="aws:123456789012:us-east-1:bedrock"), kind="coverage_gap"
    )
    some = result.findings[0]
    unknown = Finding(
        "AISPM-DATA-004", some.asset_id, Severity.MEDIUM, "bucket policy unreadable", status="unknown"
    )
    return dataclasses.replace(result, findings=(*result.findings, unknown))


def test_json_counts_and_keeps_kinds(result: ScanResult) -> None:
    report = json.loads(render(_with_gap_and_unknown(result), "json"))
    assert report["summary"]["coverage_gaps"] == 1 and report["summary"]["unknown_findings"] == 1
    assert [w["kind"] for w in report["warnings"]].count("coverage_gap") == 1
    statuses = {
        f["rule_id"]: f["status"] for f in report["findings"] if f["message"] == "bucket policy unreadable"
    }
    assert statuses == {"AISPM-DATA-004": "unknown"}


def test_json_without_gaps_counts_zero(result: ScanResult) -> None:
    report = json.loads(render(result, "json"))
    assert report["summary"]["coverage_gaps"] == 0 and report["summary"]["unknown_findings"] == 0


def test_sarif_unknown_is_a_note(result: ScanResult) -> None:
    sarif = json.loads(render(_with_gap_and_unknown(result), "sarif"))
    run = sarif["runs"][0]
    unknown = [r for r in run["results"] if r["properties"]["status"] == "unknown"]
    failed = [r for r in run["results"] if r["properties"]["status"] == "fail"]
    assert len(unknown) == 1 and unknown[0]["level"] == "note"
    assert failed and all(
        r["level"] != "note" or r["properties"]["severity"] in ("low", "info") for r in failed
    )
    notes = run["invocations"][0]["toolExecutionNotifications"]
    gap = [n for n in notes if n["properties"]["kind"] == "coverage_gap"]
    assert len(gap) == 1 and gap[0]["message"]["text"] == GAP_MESSAGE


def test_html_marks_gaps_and_unknown(result: ScanResult) -> None:
    plain = render(result, "html")
    html = render(_with_gap_and_unknown(result), "html")
    assert "coverage gaps</span>" in html and 'class="badge unknown"' in html
    assert GAP_MESSAGE in html
    assert "coverage gaps</span>" not in plain and 'class="badge unknown" title' not in plain


def test_table_shows_both(result: ScanResult) -> None:
    plain = render(result, "table")
    table = render(_with_gap_and_unknown(result), "table")
    assert "coverage gap" in table and "(unknown)" in table
    assert "(unknown)" not in plain and "coverage gap" not in plain
