"""``aispm rules list`` and ``aispm rules show``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from aispm.cli import rules
from aispm.posture import builtin_rules


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    rules.register(app)
    return app


def test_list_json_to_file(tmp_path: Path) -> None:
    out = tmp_path / "rules.json"
    result = CliRunner().invoke(_app(), ["rules", "list", "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert [r["id"] for r in data] == [m.id for m in builtin_rules()]


def test_list_table_includes_custom_rules(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "custom_rules:\n  - {id: ACME-1, title: Custom one, severity: low, match: {kind: model}}\n"
    )
    result = CliRunner().invoke(_app(), ["rules", "list", "--policy", str(policy)])
    assert result.exit_code == 0, result.output
    assert "AISPM-SEC-001" in result.output and "ACME-1" in result.output


def test_show_and_unknown() -> None:
    result = CliRunner().invoke(_app(), ["rules", "show", "aispm-code-006"])
    assert result.exit_code == 0 and "LLM05:2025" in result.output and "Remediation" in result.output
    result = CliRunner().invoke(_app(), ["rules", "show", "NOPE"])
    assert result.exit_code == 2


def test_bad_policy_is_a_clean_error(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("nonsense: 1\n")
    result = CliRunner().invoke(_app(), ["rules", "list", "--policy", str(policy)])
    assert result.exit_code == 2 and "unknown setting" in result.output
