"""The history commands (scans, diff, suppress, unsuppress) against a temporary SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from aispm.cli import history
from aispm.core.model import Asset, AssetKind, Finding, Inventory, ScanResult, Severity
from aispm.store import Store

runner = CliRunner()
SECRET = "urn:aispm:secret:secret:openai:0123456789abcdef"


@pytest.fixture
def app() -> typer.Typer:
    cli = typer.Typer(pretty_exceptions_enable=False)
    history.register(cli)
    return cli


def _scan(started: str, findings: list[Finding], assets: list[Asset]) -> ScanResult:
    return ScanResult(
        target="/src/app",
        started_at=started,
        finished_at=started,
        inventory=Inventory.of(assets),
        findings=tuple(findings),
        rules={},
    )


KEY = Finding("AISPM-SECRET-001", SECRET, Severity.CRITICAL, "OpenAI key in app.py")
MODEL = Finding("AISPM-MODEL-002", "urn:m", Severity.MEDIUM, "gpt-4o is not approved")
SECRET_ASSET = Asset(
    SECRET, AssetKind.SECRET, "OPENAI_API_KEY", "openai", properties={"redacted": "sk-…wxyz"}
)


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A history with two scans: the second drops the secret and adds a model finding."""
    path = str(tmp_path / "history.db")
    with Store.open(path) as store:
        store.save_scan(_scan("2025-01-01T10:00:00+00:00", [KEY], [SECRET_ASSET]))
        store.save_scan(_scan("2025-02-01T10:00:00+00:00", [MODEL], []))
    return path


def test_scans_as_json_and_table(app: typer.Typer, db: str) -> None:
    result = runner.invoke(app, ["scans", "--db", db, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["id"] for s in data] == ["1", "2"]
    assert data[0]["findings_by_severity"]["critical"] == 1 and data[0]["asset_count"] == 1

    table = runner.invoke(app, ["scans", "--db", db])
    assert table.exit_code == 0
    assert "/src/app" in table.stdout and "2025-02-01" in table.stdout


def test_scans_on_an_empty_history(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["scans", "--db", str(tmp_path / "empty.db")])
    assert result.exit_code == 0
    assert "No scans kept" in result.stdout


def test_scans_refuses_sarif(app: typer.Typer, db: str) -> None:
    result = runner.invoke(app, ["scans", "--db", db, "--format", "sarif"])
    assert result.exit_code == 2
    assert "table or json" in result.stderr


def test_diff_to_a_file(app: typer.Typer, db: str, tmp_path: Path) -> None:
    out = tmp_path / "diff.json"
    result = runner.invoke(app, ["diff", "--db", db, "-f", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [f["rule_id"] for f in data["findings"]["added"]] == ["AISPM-MODEL-002"]
    assert [f["rule_id"] for f in data["findings"]["removed"]] == ["AISPM-SECRET-001"]
    assert [a["name"] for a in data["assets"]["removed"]] == ["OPENAI_API_KEY"]


def test_diff_as_sarif_carries_only_new_findings(app: typer.Typer, db: str, tmp_path: Path) -> None:
    out = tmp_path / "diff.sarif"
    result = runner.invoke(app, ["diff", "--db", db, "-f", "sarif", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sarif = json.loads(out.read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["AISPM-MODEL-002"]


def test_diff_as_html(app: typer.Typer, db: str, tmp_path: Path) -> None:
    out = tmp_path / "diff.html"
    result = runner.invoke(app, ["diff", "--db", db, "-f", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "Findings added (1)" in page and "Findings removed (1)" in page
    assert "OPENAI_API_KEY" in page


def test_diff_table_with_explicit_ids(app: typer.Typer, db: str) -> None:
    result = runner.invoke(app, ["diff", "2", "1", "--db", db])
    assert result.exit_code == 0, result.output
    assert "findings +1 -1 ~0" in result.stdout
    assert "OPENAI_API_KEY" in result.stdout


def test_diff_errors_exit_2_without_traceback(app: typer.Typer, db: str, tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["diff", "1", "7", "--db", db])
    assert unknown.exit_code == 2
    assert "unknown scan id '7'" in unknown.stderr
    assert "Traceback" not in unknown.output

    xml = runner.invoke(app, ["diff", "--db", db, "--format", "xml"])
    assert xml.exit_code == 2
    assert "xml" in xml.output

    lonely = str(tmp_path / "one.db")
    with Store.open(lonely) as store:
        store.save_scan(_scan("2025-01-01T10:00:00+00:00", [KEY], []))
    single = runner.invoke(app, ["diff", "--db", lonely])
    assert single.exit_code == 2 and "needs two scans" in single.stderr


def test_bad_database_exits_2(app: typer.Typer, tmp_path: Path) -> None:
    result = runner.invoke(app, ["scans", "--db", "postgresql://u:hunter2@127.0.0.1:1/x"])
    assert result.exit_code == 2
    assert "cannot connect" in result.stderr and "hunter2" not in result.stderr
    missing = runner.invoke(app, ["scans", "--db", str(tmp_path / "no" / "such.db")])
    assert missing.exit_code == 2 and "does not exist" in missing.stderr


def test_database_from_environment(app: typer.Typer, db: str) -> None:
    result = runner.invoke(app, ["scans", "-f", "json"], env={"AISPM_DATABASE_URL": db})
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 2


def test_suppress_and_unsuppress(app: typer.Typer, db: str) -> None:
    fingerprint = KEY.fingerprint
    done = runner.invoke(app, ["suppress", fingerprint[:12], "--reason", "test fixture key", "--db", db])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == f"suppressed {fingerprint}"
    with Store.open(db) as store:
        assert store.suppressed() == frozenset({fingerprint})

    undone = runner.invoke(app, ["unsuppress", fingerprint, "--db", db])
    assert undone.exit_code == 0
    with Store.open(db) as store:
        assert store.suppressed() == frozenset()


def test_suppress_needs_a_reason_and_a_known_fingerprint(app: typer.Typer, db: str) -> None:
    no_reason = runner.invoke(app, ["suppress", KEY.fingerprint, "--db", db])
    assert no_reason.exit_code == 2
    assert "--reason" in no_reason.output

    unknown = runner.invoke(app, ["suppress", "deadbeefdeadbeef", "--reason", "x", "--db", db])
    assert unknown.exit_code == 2
    assert "no finding with fingerprint" in unknown.stderr

    short = runner.invoke(app, ["unsuppress", "abc", "--db", db])
    assert short.exit_code == 2 and "at least its first 8" in short.stderr


def test_commands_are_registered_with_the_command_modules() -> None:
    from aispm.cli import commands

    cli = typer.Typer()
    commands.register(cli)
    names = {c.name for c in cli.registered_commands}
    assert names >= {"scans", "diff", "suppress", "unsuppress"}
