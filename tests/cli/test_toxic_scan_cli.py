"""``aispm scan`` end to end: a toxic combination on an attack path raises two medium findings to
critical in every report format and for ``--fail-on``; the kept scan keeps the rules' severities."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aispm.cli.main import app, build_app
from aispm.store import Store

TOKEN = "ghp_" + "pLIix6MEOLeMa61EqJomTEI1JEzO3joOj37H"
COMBO = "leaked-key-privileged-identity"
ROLE_TF = """
resource "aws_iam_role" "trainer" {
  name = "trainer"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "sagemaker.amazonaws.com" },
                   Action = "sts:AssumeRole" }]
  })
}
resource "aws_iam_role_policy" "trainer" {
  name   = "all-sagemaker"
  role   = aws_iam_role.trainer.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["sagemaker:*"], Resource = "*" }]
  })
}
"""


@pytest.fixture(scope="module", autouse=True)
def _commands() -> None:
    build_app()


def estate(root: Path, *, token: bool = True) -> Path:
    """A repository whose Terraform deploys a role allowed every SageMaker action and whose .env
    holds a GitHub token (write access to the repository, so to the Terraform); the policy makes
    both findings medium, so only their combination is critical."""
    (root / "infra").mkdir(parents=True)
    (root / "infra" / "main.tf").write_text(ROLE_TF, encoding="utf-8")
    if token:
        (root / ".env").write_text(f"GITHUB_TOKEN={TOKEN}\n", encoding="utf-8")
    (root / ".aispm.yaml").write_text(
        "severity_overrides: {AISPM-AWS-040: medium, AISPM-SEC-003: medium}\n", encoding="utf-8"
    )
    return root


def scan(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["scan", *args])
    return result.exit_code, result.stdout


def test_fail_on_critical_counts_the_raised_severity(tmp_path: Path) -> None:
    root = estate(tmp_path / "repo")
    out = tmp_path / "r.json"
    code, _ = scan(str(root), "--no-store", "-q", "-o", str(out), "--fail-on", "critical")
    assert code == 1
    findings = {f["rule_id"]: f for f in json.loads(out.read_text())["findings"]}
    for rule in ("AISPM-AWS-040", "AISPM-SEC-003"):
        assert findings[rule]["severity"] == "critical"
        assert findings[rule]["original_severity"] == "medium"
        assert findings[rule]["escalated_by"] == [
            f"{COMBO}: a leaked credential leads to an identity that can pass any role to AI services"
        ]
    assert json.loads(out.read_text())["summary"]["findings_by_severity"]["critical"] == 2


def test_negative_without_the_leak_nothing_is_raised(tmp_path: Path) -> None:
    root = estate(tmp_path / "repo", token=False)
    out = tmp_path / "r.json"
    code, _ = scan(str(root), "--no-store", "-q", "-o", str(out), "--fail-on", "critical")
    assert code == 0
    (role,) = [f for f in json.loads(out.read_text())["findings"] if f["rule_id"] == "AISPM-AWS-040"]
    assert role["severity"] == "medium" and role["original_severity"] is None
    assert role["escalated_by"] == []
    # a medium finding still meets a medium gate
    assert scan(str(root), "--no-store", "-q", "--fail-on", "medium")[0] == 1


def test_sarif_and_table_show_original_and_reason(tmp_path: Path) -> None:
    root = estate(tmp_path / "repo")
    code, text = scan(str(root), "--no-store", "-q", "-f", "sarif")
    assert code == 0  # no --fail-on
    results = {r["ruleId"]: r for r in json.loads(text)["runs"][0]["results"]}
    role = results["AISPM-AWS-040"]
    assert role["level"] == "error"
    assert role["properties"]["severity"] == "critical"
    assert role["properties"]["security-severity"] == "9.5"
    assert role["properties"]["originalSeverity"] == "medium"
    assert role["properties"]["escalatedBy"][0].startswith(COMBO)
    assert "severity raised from medium" in role["message"]["text"]
    code, text = scan(str(root), "--no-store", "-q", "-f", "table")
    assert "CRITICAL (from medium)" in text
    # the Title cell wraps over several lines; they hold the combination
    assert "raised by a toxic" in text and "leaked-key-privilege" in text


def test_html_report_and_kept_scan(tmp_path: Path) -> None:
    root = estate(tmp_path / "repo")
    db = str(tmp_path / "h.db")
    page = tmp_path / "r.html"
    code, _ = scan(str(root), "--db", db, "-q", "--html-report", str(page), "--fail-on", "critical")
    assert code == 1
    html = page.read_text(encoding="utf-8")
    assert 'id="attack-paths"' in html and COMBO in html
    assert "from medium" in html  # the finding's badge
    with Store.open(db) as store:
        kept = store.load_scan(next(iter(store.latest_scan_ids(1))))
    # the history keeps what the rules said; the raise is an analysis of the whole estate
    assert {f.rule_id: f.severity.value for f in kept.findings} == {
        "AISPM-AWS-040": "medium",
        "AISPM-SEC-003": "medium",
    }
