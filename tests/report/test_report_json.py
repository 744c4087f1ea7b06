import json
from collections.abc import Callable

from aispm import __version__
from aispm.core.model import ScanResult
from aispm.report import render
from aispm.report.common import SEVERITIES_DESC


def _doc(result: ScanResult) -> dict:  # type: ignore[type-arg]
    return json.loads(render(result, "json"))  # type: ignore[no-any-return]


def test_top_level_layout_and_scan(result: ScanResult) -> None:
    doc = _doc(result)
    assert list(doc) == [
        "tool",
        "scan",
        "summary",
        "assets",
        "relationships",
        "findings",
        "rules",
        "warnings",
    ]
    assert doc["tool"] == {"name": "aispm", "version": __version__}
    assert doc["scan"] == {
        "id": "scan-42",
        "target": "/home/dev/acme app",
        "started_at": "2025-05-01T12:00:00+00:00",
        "finished_at": "2025-05-01T12:00:05+00:00",
    }


def test_summary_counts(result: ScanResult) -> None:
    summary = _doc(result)["summary"]
    assert summary == {
        "assets": 5,
        "assets_by_kind": {"repository": 1, "source_file": 1, "model": 1, "dataset": 1, "secret": 1},
        "relationships": 3,
        "findings": 5,
        "active_findings": 4,
        "suppressed_findings": 1,
        "findings_by_severity": {"critical": 1, "high": 0, "medium": 1, "low": 1, "info": 1},
        "warnings": 3,
        "coverage_gaps": 0,
        "unknown_findings": 0,
    }


def test_findings_sorted_worst_first_with_title_and_suppressed_flag(result: ScanResult) -> None:
    findings = _doc(result)["findings"]
    ranks = [[s.value for s in SEVERITIES_DESC].index(f["severity"]) for f in findings]
    assert ranks == sorted(ranks)
    by_rule = {f["rule_id"]: f for f in findings}
    assert by_rule["AISPM-SEC-001"]["title"] == "Hard-coded AI provider API key"
    assert by_rule["AISPM-SEC-001"]["evidence"] == {"redacted": "sk-proj-…wxyz", "variable": "OPENAI_API_KEY"}
    assert by_rule["AISPM-SEC-001"]["location"] == {"path": "src/my config.py", "line": 3, "uri": None}
    assert by_rule["AISPM-CODE-002"]["suppressed"] is True
    assert by_rule["AISPM-SEC-001"]["suppressed"] is False
    # a rule the scan did not record still gets a title (its id)
    assert by_rule["AISPM-UNKNOWN-999"]["title"] == "AISPM-UNKNOWN-999"
    assert set(by_rule["AISPM-SEC-001"]) == {
        "fingerprint", "rule_id", "title", "severity", "original_severity", "escalated_by", "status",
        "message", "asset_id", "asset_name", "location", "evidence", "suppressed",
    }  # fmt: skip
    # not raised by a toxic combination
    assert by_rule["AISPM-SEC-001"]["original_severity"] is None
    assert by_rule["AISPM-SEC-001"]["escalated_by"] == []
    fingerprints = {f.rule_id: f.fingerprint for f in result.findings}
    assert by_rule["AISPM-SEC-001"]["fingerprint"] == fingerprints["AISPM-SEC-001"]


def test_rules_assets_relationships_warnings(result: ScanResult) -> None:
    doc = _doc(result)
    assert list(doc["rules"]) == sorted(result.rules)
    assert doc["rules"]["AISPM-SEC-001"]["owasp_llm"] == ["LLM02:2025"]
    assert [a["kind"] for a in doc["assets"]] == ["repository", "source_file", "model", "dataset", "secret"]
    assert {(r["source"], r["kind"], r["target"]) for r in doc["relationships"]} == {
        r.key for r in result.inventory.relationships
    }
    assert [w["source"] for w in doc["warnings"]] == ["code", "code", "aws"]


def test_output_is_stable_and_independent_of_insertion_order(build: Callable[..., ScanResult]) -> None:
    a = build()
    reordered = ScanResult(
        a.target,
        a.started_at,
        a.finished_at,
        a.inventory,
        tuple(reversed(a.findings)),
        dict(reversed(list(a.rules.items()))),
        a.scan_id,
        a.suppressed,
    )
    assert render(a, "json") == render(reordered, "json")
    text = render(a, "json")
    assert text.endswith("}\n") and text.startswith('{\n  "tool"')


def test_empty_scan(empty: ScanResult) -> None:
    doc = _doc(empty)
    assert doc["scan"]["id"] is None
    assert doc["findings"] == [] and doc["assets"] == [] and doc["summary"]["findings"] == 0
