"""``aispm model scan`` without Typer: what it loads, and that it behaves exactly like the Typer
command (same call, same output, same exit status) or leaves the command line to Typer."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aispm.artifacts.hashing import RACY_SECONDS
from aispm.cli import fast, model, model_scan
from aispm.cli.main import app, build_app

COMMAND = "echo aispm-harmless-test"
NEVER_LOADED = (
    "sqlalchemy",
    "psycopg",
    "httpx",
    "aispm.store",
    "aispm.guard",
    "aispm.pipeline",
    "aispm.discover.code",
    "aispm.advisories",
    "typer",
    "click",
)
"""Modules a model scan has no use for (the store only without --no-store)."""
WARM_NEVER_LOADED = (*NEVER_LOADED, "yaml", "pydantic", "rich", "jinja2", "concurrent.futures")
"""Also absent once the compiled data is in the cache, with -q."""


@pytest.fixture(scope="module", autouse=True)
def _commands() -> None:
    build_app()


def malicious_pickle() -> bytes:
    text = COMMAND.encode()
    return b"\x80\x02cos\nsystem\nX" + struct.pack("<I", len(text)) + text + b"\x85R."


def safetensors_bytes() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + bytes(8)


@pytest.fixture
def models(tmp_path: Path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "evil.pkl").write_bytes(malicious_pickle())
    (folder / "w.safetensors").write_bytes(safetensors_bytes())
    return folder


def _loaded_modules(args: list[str], env: dict[str, str], out: Path) -> tuple[int, set[str]]:
    """Run ``aispm ARGS`` through the console entry point in a fresh interpreter; its exit status
    and every module it imported."""
    code = (
        "import json, sys\n"
        "from aispm.cli.main import main\n"
        f"sys.argv = ['aispm', *{args!r}]\n"
        "try:\n"
        "    main()\n"
        "    status = 0\n"
        "except SystemExit as exc:\n"
        "    status = exc.code\n"
        f"open({str(out)!r}, 'w').write(json.dumps([status, sorted(sys.modules)]))\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    status, modules = json.loads(out.read_text())
    return int(status), set(modules)


def _with_prefix(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_model_scan_loads_no_store_gateway_http_or_repository_analyzers(models: Path, tmp_path: Path) -> None:
    env = {**os.environ, "AISPM_CACHE_DIR": str(tmp_path / "cache")}
    args = ["model", "scan", str(models), "--no-store", "-q"]
    status, first = _loaded_modules(args, env, tmp_path / "first.json")
    assert status == 0
    assert _with_prefix(first, NEVER_LOADED) == []
    assert "aispm.artifacts.pickle_vm" in first and "aispm.posture.checks.models" in first  # it did scan

    status, warm = _loaded_modules(args, env, tmp_path / "warm.json")
    assert status == 0
    assert _with_prefix(warm, WARM_NEVER_LOADED) == []

    report = tmp_path / "r.json"
    status, with_report = _loaded_modules(
        [*args[:-1], "-f", "json", "-o", str(report)], env, tmp_path / "j.json"
    )
    assert status == 0 and report.is_file()
    assert _with_prefix(with_report, NEVER_LOADED) == []


ACCEPTED = [
    ["m"],
    ["m", "--no-store", "-q"],
    ["m", "n", "--no-store", "--quiet", "--no-cache", "--all-objects"],
    ["m", "--no-hash", "--no-store", "-f", "json"],
    ["m", "-f", "JSON", "-o", "out.json", "--fail-on", "High"],
    ["--format=sarif", "m", "--output=r.sarif", "--fail-on=critical", "--no-store"],
    ["m", "--db", "sqlite:///x.db", "--policy", "p.yaml", "--profile", "dev", "-f", "table"],
    ["s3://bucket/prefix", "--profile", "prod", "--no-store"],
]
"""``model scan`` arguments the fast path runs (``m`` and ``n`` are replaced by real folders)."""


def _typer_call(args: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_run(targets: list[str], **kwargs: Any) -> int:
        seen.update(kwargs, targets=list(targets))
        return 0

    monkeypatch.setattr(model, "run", fake_run)
    result = CliRunner().invoke(app, ["model", "scan", *args])
    assert result.exit_code == 0, result.output
    return seen


def _fast_call(args: list[str]) -> dict[str, Any]:
    options = fast.parse_model_scan(args)
    defaults = {
        name: p.default
        for name, p in inspect.signature(model_scan.run).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    call = {**defaults, **options}
    call["targets"] = list(call["targets"])
    call["signing_keys"] = tuple(call["signing_keys"])
    return call


@pytest.mark.parametrize("args", ACCEPTED, ids=[" ".join(a) for a in ACCEPTED])
def test_fast_path_makes_the_same_call_as_typer(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(fast.DB_ENV, raising=False)
    for name in ("m", "n"):
        (tmp_path / name).mkdir()
    assert _fast_call(args) == _typer_call(args, monkeypatch)
    monkeypatch.setenv(fast.DB_ENV, "sqlite:///from-env.db")
    assert _fast_call(args) == _typer_call(args, monkeypatch)


REFUSED = [
    [],
    ["--help"],
    ["m", "--help"],
    ["m", "-h"],
    ["m", "--signing-key", "k.pem"],
    ["m", "--max-object-size", "10"],
    ["m", "-f", "xml"],
    ["m", "--fail-on", "severe"],
    ["m", "-o", "adir"],
    ["m", "--policy", "adir"],
    ["m", "-q", "-q"],
    ["m", "-f", "json", "--format", "table"],
    ["m", "-o"],
    ["m", "-o", "-q"],
    ["m", "--db="],
    ["m", "--quiet=yes"],
    ["m", "-qf", "json"],
    ["m", "-fjson"],
    ["m", "--", "-x"],
    ["-"],
    ["m", "--no-such-option"],
]
"""``model scan`` arguments left to Typer (help, usage errors, options the fast path does not read)."""


@pytest.mark.parametrize("args", REFUSED, ids=[" ".join(a) or "(none)" for a in REFUSED])
def test_fast_path_leaves_everything_else_to_typer(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m").mkdir()
    (tmp_path / "adir").mkdir()

    def never(*_args: object, **_kwargs: object) -> int:
        raise AssertionError("the fast path ran a command line it should leave to Typer")

    monkeypatch.setattr(model_scan, "run", never)
    assert fast.dispatch(["model", "scan", *args]) is None


def test_other_commands_and_completion_requests_go_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert fast.dispatch(["scan", "."]) is None
    assert fast.dispatch(["model"]) is None
    assert fast.dispatch(["--version"]) is None
    monkeypatch.setenv("_AISPM_COMPLETE", "bash_complete")
    assert fast.dispatch(["model", "scan", "."]) is None


def _both(
    args: list[str], cwd: Path
) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """``aispm ARGS`` through the entry point (fast path) and through the Typer app."""
    env = {**os.environ, "COLUMNS": "140"}
    fast_run = subprocess.run(
        [sys.executable, "-m", "aispm", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    typer_code = (
        "import sys; from aispm.cli.app import build_app; build_app()(sys.argv[1:], prog_name='aispm')"
    )
    typer_run = subprocess.run(
        [sys.executable, "-c", typer_code, *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    return fast_run, typer_run


def _no_times(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", "<time>", text)


@pytest.mark.parametrize(
    "extra",
    [
        ["--no-store", "-f", "json"],
        ["--no-store", "-o", "r.json"],
        ["--no-store", "-f", "table", "--fail-on", "high"],
        ["--no-store", "--no-cache"],
        ["--no-store", "--no-hash", "-f", "json"],
    ],
    ids=lambda a: " ".join(a),
)
def test_same_output_and_exit_status_as_typer(extra: list[str], models: Path, tmp_path: Path) -> None:
    fast_run, typer_run = _both(["model", "scan", str(models), *extra], tmp_path)
    assert fast_run.returncode == typer_run.returncode
    assert _no_times(fast_run.stdout) == _no_times(typer_run.stdout)
    assert _no_times(fast_run.stderr) == _no_times(typer_run.stderr)


def test_same_error_as_typer_for_a_missing_target(tmp_path: Path) -> None:
    fast_run, typer_run = _both(["model", "scan", str(tmp_path / "nowhere"), "--no-store"], tmp_path)
    assert fast_run.returncode == typer_run.returncode == 2
    assert fast_run.stderr == typer_run.stderr and "no such file or directory" in fast_run.stderr
    assert fast_run.stdout == typer_run.stdout == ""


def test_no_cache_neither_reads_nor_writes_the_hash_cache(models: Path, tmp_path: Path) -> None:
    env = {**os.environ, "AISPM_CACHE_DIR": str(tmp_path / "cache")}
    base = [sys.executable, "-m", "aispm", "model", "scan", str(models), "--no-store", "-q"]
    store = tmp_path / "cache" / "model-hashes.json"
    time.sleep(RACY_SECONDS + 0.2)  # files changed moments ago are hashed but never cached
    subprocess.run([*base, "--no-cache"], env=env, check=True)
    assert not store.exists()
    subprocess.run(base, env=env, check=True)
    entries = json.loads(store.read_text())["entries"]
    assert sorted(Path(p).name for p in entries) == ["evil.pkl", "w.safetensors"]
    before = store.stat().st_mtime_ns
    subprocess.run([*base, "--no-cache"], env=env, check=True)
    assert store.stat().st_mtime_ns == before


def test_many_files_on_two_processes_give_the_one_process_report(tmp_path: Path) -> None:
    """From 16 files on, a run with nothing to hash (``--no-hash``, or every digest in the hash
    cache) parses on two processes: the report must list every file with the verdict, exact call
    and digest that a one-process run (the first, hashing run) gives, and the cache keeps them all."""
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(15):
        text = f"echo aispm-harmless-test-{number}".encode()
        payload = b"\x80\x02cos\nsystem\nX" + struct.pack("<I", len(text)) + text + b"\x85R."
        (folder / f"evil{number:02}.pkl").write_bytes(payload)
        (folder / f"w{number:02}.safetensors").write_bytes(safetensors_bytes() + bytes([number]) * 8)
    (folder / "broken.pkl").write_bytes(b"\x80\x02cos\nsys")  # truncated: an error, still reported
    env = {**os.environ, "AISPM_CACHE_DIR": str(tmp_path / "cache")}
    time.sleep(RACY_SECONDS + 0.2)  # files changed moments ago are hashed but never cached
    reports = {}
    for name, extra in (("first", []), ("warm", []), ("unhashed", ["--no-hash"])):
        out = tmp_path / f"{name}.json"
        cmd = [sys.executable, "-m", "aispm", "model", "scan", str(folder), "--no-store", "-o", str(out)]
        subprocess.run([*cmd, *extra], check=True, capture_output=True, env=env)
        reports[name] = {
            a["name"]: a["properties"]
            for a in json.loads(out.read_text())["assets"]
            if a["kind"] == "model_artifact"
        }
    first = reports["first"]
    assert len(first) == 31 and list(reports["warm"]) == list(reports["unhashed"]) == list(first)
    for name, props in first.items():
        assert props["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert (
            reports["warm"][name]["sha256"] == props["sha256"] and reports["unhashed"][name]["sha256"] is None
        )
        for other in (reports["warm"][name], reports["unhashed"][name]):
            assert [other["scan"][k] for k in ("verdict", "issues", "error")] == [
                props["scan"][k] for k in ("verdict", "issues", "error")
            ]
    for number in range(15):
        issues = reports["unhashed"][f"evil{number:02}.pkl"]["scan"]["issues"]
        assert any(f"os.system('echo aispm-harmless-test-{number}')" in i["detail"] for i in issues)
    assert first["broken.pkl"]["scan"]["error"]
    cached = json.loads((tmp_path / "cache" / "model-hashes.json").read_text())["entries"]
    assert sorted(Path(p).name for p in cached) == sorted(first)
