"""Coverage gaps and unknown findings are kept and loaded back (migration 0002), and rows written
before 0002 read as what they were: plain warnings and failed findings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from aispm.core.model import Finding, Location, ScanResult, ScanWarning, Severity
from aispm.store import Store, migrate
from aispm.store.url import resolve

GAP = ScanWarning(
    "aws",
    "bedrock list_guardrails in us-east-1: denied",
    Location(uri="aws:123456789012:us-east-1:bedrock"),
    kind="coverage_gap",
)
UNKNOWN = Finding(
    "AISPM-AWS-020",
    "urn:aispm:aws:aws:account:arn%3Aaws%3Aiam%3A%3A123456789012%3Aroot",
    Severity.HIGH,
    "guardrails could not be read",
    status="unknown",
)


def test_kind_and_status_round_trip(store: Store, make_result: Callable[..., ScanResult]) -> None:
    base = make_result()
    saved = make_result(warning_list=[*base.warnings, GAP], finding_list=[*base.findings, UNKNOWN])
    loaded = store.load_scan(store.save_scan(saved))
    assert [w.kind for w in loaded.warnings] == ["warning", "warning", "coverage_gap"]
    assert loaded.warnings[-1] == GAP
    by_rule = {f.rule_id: f for f in loaded.findings}
    assert by_rule["AISPM-AWS-020"].status == "unknown"
    assert {f.status for f in loaded.findings if f.rule_id != "AISPM-AWS-020"} == {"fail"}


def test_rows_from_before_0002_get_the_defaults(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(resolve(url))
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "0001")
        conn.execute(
            text(
                "INSERT INTO scans (target, started_at, finished_at, tool_version, asset_count, "
                "relationship_count, finding_count, severity_counts, warning_count) "
                "VALUES ('/src', '2025-01-01T00:00:00+00:00', '2025-01-01T00:00:01+00:00', '0.1', "
                "0, 0, 1, '{}', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO scan_warnings (scan_id, seq, source, message) "
                "VALUES (1, 0, 'code', 'old warning')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO scan_findings (scan_id, seq, fingerprint, rule_id, asset_id, severity, message, "
                "evidence, discriminator) VALUES (1, 0, 'ab', 'R1', 'a', 'high', 'm', '{}', '')"
            )
        )
    engine.dispose()
    with Store.open(url) as store:
        loaded = store.load_scan("1")
    assert loaded.warnings[0].kind == "warning"
    assert loaded.findings[0].status == "fail"
