"""Bad input never stops a scan: each case gives a clear message or a per-file warning."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aispm.cli.main import app, build_app

GOOD_SOURCE = (
    'import openai\nclient = openai.OpenAI()\nclient.chat.completions.create(model="gpt-4o", messages=[])\n'
)


@pytest.fixture(scope="module", autouse=True)
def _commands() -> None:
    build_app()


def _scan(root: Path, tmp: Path, *extra: str) -> tuple[int, dict[str, object], str]:
    out = tmp / "report.json"
    result = CliRunner().invoke(
        app,
        ["scan", str(root), "--db", str(tmp / "a.db"), "-f", "json", "-o", str(out), "-q", *extra],
    )
    report = json.loads(out.read_text()) if out.exists() else {}
    return result.exit_code, report, result.output


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "app.py").write_text(GOOD_SOURCE)
    return root


def _warned(report: dict[str, object], path: str, words: str) -> bool:
    warnings = report["warnings"]
    assert isinstance(warnings, list)
    return any(
        (w.get("location") or {}).get("path") == path and words in w["message"].lower() for w in warnings
    )


def _found_model(report: dict[str, object]) -> bool:
    assets = report["assets"]
    assert isinstance(assets, list)
    return any(a["kind"] == "model" and a["properties"].get("model") == "gpt-4o" for a in assets)


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    code, report, output = _scan(tmp_path / "nope", tmp_path)
    assert code == 2
    assert "no such file or directory" in output
    assert "Traceback" not in output
    assert report == {}


def test_file_instead_of_directory_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "f.py").write_text("x = 1\n")
    code, _, output = _scan(tmp_path / "f.py", tmp_path)
    assert code == 2
    assert "not a directory" in output


def test_symlink_loop_is_reported_and_scan_finishes(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "sub").mkdir()
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    code, report, _ = _scan(root, tmp_path)
    assert code == 3
    assert _warned(report, "sub/loop", "symlink loop")
    assert _found_model(report)


def test_symlink_out_of_tree_is_not_followed(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(GOOD_SOURCE)
    (root / "link").symlink_to(outside, target_is_directory=True)
    code, report, _ = _scan(root, tmp_path)
    assert code == 3
    assert _warned(report, "link", "outside")


@pytest.mark.parametrize(
    ("rel", "content", "words"),
    [
        pytest.param(
            "blob.py", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, "binary", id="binary-source-file"
        ),
        pytest.param("huge.py", "x = 1\n" * 600_000, "larger than", id="very-large-file"),  # 3.6 MB
        pytest.param(
            "broken.ipynb",
            '{"cells": [ {"cell_type": "code", "source": ["import openai"',
            "json",
            id="notebook-that-is-not-json",
        ),
        pytest.param(
            "poetry.lock", '[[package]]\nname = "torch"\nversion = \n', "", id="malformed-lock-file"
        ),
        pytest.param(
            "broken.py", "import openai\ndef f(:\n    pass\n", "line 2", id="source-that-does-not-parse"
        ),
    ],
)
def test_bad_file_is_a_warning_and_the_rest_is_scanned(
    tmp_path: Path, rel: str, content: str | bytes, words: str
) -> None:
    root = _repo(tmp_path)
    if isinstance(content, bytes):
        (root / rel).write_bytes(content)
    else:
        (root / rel).write_text(content)
    code, report, _ = _scan(root, tmp_path)
    assert code == 3
    assert _warned(report, rel, words)
    assert _found_model(report)


def test_clean_tree_exits_zero_and_fail_on_sets_status(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    code, report, _ = _scan(root, tmp_path)
    assert code == 0
    assert report["warnings"] == []
    (root / "loader.py").write_text("import torch\nm = torch.load('m.pt')\n")
    code, report, _ = _scan(root, tmp_path, "--fail-on", "medium")
    assert code == 1
    code, _, output = _scan(root, tmp_path, "--fail-on", "severe")
    assert code == 2
    assert "unknown severity" in output


@pytest.fixture
def world_readable_tmp() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="aispm-unreadable-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def test_unreadable_file_is_reported(world_readable_tmp: Path) -> None:
    """Permissions do not bind root, so as root the scan runs in a child that drops to nobody."""
    root = _repo(world_readable_tmp)
    (root / "locked.py").write_text(GOOD_SOURCE)
    out = world_readable_tmp / "out"
    out.mkdir()
    out.chmod(0o777)
    _scan(root, out)  # warm-up in this process: every module is imported before privileges drop
    (root / "locked.py").chmod(0)
    report_path = out / "r.json"
    args = ["scan", str(root), "--no-store", "-q", "-f", "json", "-o", str(report_path)]
    pid = os.fork()
    if pid == 0:  # child
        code = 99
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            os.environ["XDG_CACHE_HOME"] = str(out)
            os.environ["XDG_DATA_HOME"] = str(out)
            code = CliRunner().invoke(app, args).exit_code
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 3
    report = json.loads(report_path.read_text())
    assert _warned(report, "locked.py", "permission denied")
    assert _found_model(report)
