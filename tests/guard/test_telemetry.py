"""Telemetry: OCSF lines, webhook batches, syslog CEF, Prometheus metrics, events and findings
through the CLI, and the blocked injection as a finding on the targeted model endpoint."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx
import openai
import pytest
from typer.testing import CliRunner

from aispm.cli.main import build_app
from aispm.core.ids import urn
from aispm.guard.context import RequestContext
from aispm.guard.findings import GuardCollector, guard_findings
from aispm.guard.telemetry.cef import cef_line
from aispm.guard.telemetry.otel import genai_attributes

from .conftest import INJECTION, SECRET, MakeGateway, Stub


def _wait(predicate, seconds: float = 15):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_exports_metrics_and_findings(make_gateway: MakeGateway, stub: Stub, tmp_path: Path) -> None:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(15)
    ocsf_path = tmp_path / "events.ocsf.jsonl"
    telemetry = {
        "ocsf_file": str(ocsf_path),
        "webhook": {"url": f"{stub.url}/hook", "batch_size": 10, "flush_seconds": 0.1},
        "syslog": {"host": "127.0.0.1", "port": udp.getsockname()[1], "protocol": "udp"},
    }
    gw = make_gateway({"telemetry": telemetry})
    c = openai.OpenAI(base_url=f"{gw.url}/v1", api_key=gw.key, max_retries=0)
    c.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"key {SECRET}"}])
    with pytest.raises(openai.BadRequestError):
        c.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": INJECTION}])
    events = gw.events(2)
    assert [e.verdict for e in events] == ["redact", "block"]

    assert _wait(lambda: ocsf_path.exists() and len(ocsf_path.read_text().splitlines()) >= 4)
    records = [json.loads(line) for line in ocsf_path.read_text().splitlines()]
    assert {r["class_uid"] for r in records} == {6003, 2004}
    activity = next(r for r in records if r["class_uid"] == 6003 and r["unmapped"]["verdict"] == "block")
    assert activity["type_uid"] == 600399 and activity["actor"]["user"]["name"] == "app"
    assert SECRET not in ocsf_path.read_text() and INJECTION not in ocsf_path.read_text()

    assert _wait(lambda: sum(len(h["events"]) for h in stub.hooks) >= 4)
    message = udp.recv(65536).decode()
    assert message.startswith("<1") and "CEF:0|aispm|guard|" in message and "suser=app" in message
    udp.close()

    metrics = httpx.get(f"{gw.url}/metrics").text
    assert 'aispm_guard_blocks_total{detector="injection",stage="input"}' in metrics
    assert "aispm_guard_request_seconds_bucket" in metrics and "aispm_guard_tokens_total" in metrics

    [finding] = guard_findings(events)
    assert finding.asset_id == urn("endpoint", "model_endpoint", f"{stub.url}/v1")
    assert finding.rule_id == "AISPM-GUARD-001" and finding.evidence["count"] == 1
    inventory = GuardCollector(gw.store).collect()
    endpoint = inventory.get(finding.asset_id)
    assert endpoint is not None and endpoint.properties["guard_blocked"] == {"injection": 1}
    # negative control: the redacted (not blocked) request makes no finding
    assert guard_findings(events[:1]) == []


def test_cli_keys_events_and_findings(make_gateway: MakeGateway, tmp_path: Path) -> None:
    runner = CliRunner()
    app = build_app()
    db = str(tmp_path / "cli.db")
    created = runner.invoke(
        app, ["guard", "keys", "create", "--name", "ci", "--models", "gpt-*", "--rpm", "5", "--db", db]
    )
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[0]
    assert key.startswith("aispm-")
    listed = runner.invoke(app, ["guard", "keys", "list", "--db", db, "--format", "json"])
    assert json.loads(listed.stdout)[0]["status"] == "active" and key not in listed.stdout
    gw = make_gateway(db=db)
    c = openai.OpenAI(base_url=f"{gw.url}/v1", api_key=key, max_retries=0)
    with pytest.raises(openai.BadRequestError):
        c.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": INJECTION}])
    gw.events(1, key="ci")
    shown = runner.invoke(
        app, ["guard", "events", "--db", db, "--key", "ci", "--verdict", "block", "-f", "json"]
    )
    assert shown.exit_code == 0 and json.loads(shown.stdout)[0]["model"] == "gpt-4o"
    assert json.loads(
        runner.invoke(app, ["guard", "events", "--db", db, "--since", "1h", "-f", "json"]).stdout
    )
    assert (
        runner.invoke(app, ["guard", "events", "--db", db, "--verdict", "allow", "-f", "json"]).stdout.strip()
        == "[]"
    )
    found = runner.invoke(app, ["guard", "findings", "--db", db, "--format", "json"])
    assert json.loads(found.stdout)[0]["rule_id"] == "AISPM-GUARD-001"
    assert runner.invoke(app, ["guard", "keys", "revoke", "ci", "--db", db]).exit_code == 0
    with pytest.raises(openai.AuthenticationError):
        c.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    bad = runner.invoke(app, ["guard", "keys", "create", "--name", "x", "--expires", "soon", "--db", db])
    assert bad.exit_code == 2


def test_cef_escaping_and_genai_attributes(make_gateway: MakeGateway) -> None:
    from aispm.guard.store import GuardEvent

    event = GuardEvent(
        ts="2026-01-01T00:00:00.000+00:00",
        request_id="r1",
        api="openai",
        path="/v1/chat/completions",
        status=400,
        verdict="block",
        latency_ms=1.5,
        key_name="a=b|c",
        model="gpt\n4",
        provider="openai",
        tokens_in=3,
        detections=[{"detector": "injection", "type": "x", "score": 1, "action": "block", "stage": "input"}],
    )
    line = cef_line(event)
    assert "suser=a\\=b|c" in line and "cs1=gpt\\n4" in line and "\n" not in line
    ctx = RequestContext(
        "openai", "/v1/chat/completions", None, provider="azure", model="gpt\n4", tokens_in=3
    )
    attrs = genai_attributes(ctx)
    assert attrs is not None and attrs["gen_ai.request.model"] == "gpt\n4"
    assert attrs["gen_ai.provider.name"] == attrs["gen_ai.system"] == "azure.ai.openai"
    assert attrs["gen_ai.usage.input_tokens"] == 3 and "gen_ai.usage.output_tokens" not in attrs
    assert "gen_ai.system" not in (genai_attributes(ctx, legacy=False) or {})
    assert genai_attributes(RequestContext("openai", "/v1/models", None)) is None
