"""`aispm scan guard`: injections the running gateway blocked become findings of rule AISPM-GUARD-001
on the model endpoint they targeted, in every report format, merged with what a repository scan
finds for the same base URL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest
from typer.testing import CliRunner

from aispm.cli.main import build_app
from aispm.core.ids import urn

from .conftest import INJECTION, MakeGateway, Stub


def _block_one(make_gateway: MakeGateway, db: str) -> str:
    """Run the gateway, get one injection blocked through the OpenAI SDK; the upstream URL."""
    gw = make_gateway(db=db)
    client = openai.OpenAI(base_url=f"{gw.url}/v1", api_key=gw.key, max_retries=0)
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hello"}])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": INJECTION}])
    [event] = gw.events(1, verdict="block")
    assert event.upstream_url
    return event.upstream_url


def _scan(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(build_app(), ["scan", *args, "-f", "json", "-q"])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_scan_guard_shows_the_blocked_injection(
    make_gateway: MakeGateway, stub: Stub, tmp_path: Path
) -> None:
    db = str(tmp_path / "aispm.db")
    upstream = _block_one(make_gateway, db)
    endpoint = urn("endpoint", "model_endpoint", upstream)
    assert upstream == f"{stub.url}/v1"

    report = _scan("guard", "--db", db)
    [finding] = [f for f in report["findings"] if f["rule_id"] == "AISPM-GUARD-001"]
    assert finding["asset_id"] == endpoint and finding["severity"] == "high"
    assert finding["evidence"]["detector"] == "injection" and finding["evidence"]["count"] == 1
    assert finding["evidence"]["keys"] == ["app"] and finding["evidence"]["models"] == ["gpt-4o"]
    rule = report["rules"]["AISPM-GUARD-001"]
    assert "LLM01:2025" in rule["owasp_llm"] and "AML.T0051.000" in rule["mitre_atlas"]
    assets = {a["id"]: a for a in report["assets"]}
    assert assets[endpoint]["properties"]["guard_blocked"] == {"injection": 1}

    # a window that starts after the attack shows nothing
    later = _scan("guard", "--db", db, "--guard-since", "2999-01-01")
    assert not [f for f in later["findings"] if f["rule_id"] == "AISPM-GUARD-001"]


def test_every_report_format_and_repository_merge(
    make_gateway: MakeGateway, stub: Stub, tmp_path: Path
) -> None:
    db = str(tmp_path / "aispm.db")
    upstream = _block_one(make_gateway, db)
    endpoint = urn("endpoint", "model_endpoint", upstream)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text(
        f'from openai import OpenAI\n\nclient = OpenAI(base_url="{upstream}")\n'
        'client.chat.completions.create(model="gpt-4o", messages=[])\n'
    )
    report = _scan(str(repo), "guard", "--db", db)
    [asset] = [a for a in report["assets"] if a["id"] == endpoint]
    assert asset["properties"]["guard_blocked"] == {"injection": 1}  # one node: repository and guard
    assert any(f["rule_id"] == "AISPM-GUARD-001" and f["asset_id"] == endpoint for f in report["findings"])

    runner = CliRunner()
    for fmt in ("table", "sarif", "html"):
        out = tmp_path / f"report.{fmt}"
        result = runner.invoke(build_app(), ["scan", "guard", "--db", db, "-f", fmt, "-o", str(out), "-q"])
        assert result.exit_code == 0, result.output
        text = out.read_text()
        assert "AISPM-GUARD-001" in text, fmt
        if fmt == "sarif":
            sarif = json.loads(text)
            [rule] = [r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "AISPM-GUARD-001"]
            assert "LLM01:2025" in json.dumps(rule)
