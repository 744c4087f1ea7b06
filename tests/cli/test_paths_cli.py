"""``aispm paths`` and ``aispm access`` on a scan kept in a real SQLite history."""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aispm.cli.main import app, build_app
from aispm.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from paths.estate import build


@pytest.fixture(scope="module", autouse=True)
def _commands() -> None:
    build_app()


@pytest.fixture()
def db(tmp_path: Path) -> str:
    url = str(tmp_path / "h.db")
    with Store.open(url) as store:
        store.save_scan(build())
    return url


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_paths_table(db: str) -> None:
    out = run("paths", "--db", db)
    assert "attack path(s)" in out
    assert "infer url -exposes(1)-> infer" in out
    assert "escalated: AISPM-AWS-044 medium -> critical" in out
    assert "Agent blast radius" in out and "support: total 7" in out


def test_paths_json_file(db: str, tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    run("paths", "--db", db, "-o", str(out))
    doc = json.loads(out.read_text())
    top = doc["paths"][0]
    assert set(top["score_parts"]) >= {"entry_ease", "step_ease", "target_value"}
    assert top["mitre_atlas"]
    assert doc["agents"][0]["score"]["total"] == 7


def test_paths_exports(db: str, tmp_path: Path) -> None:
    graphml = tmp_path / "g.graphml"
    run("paths", "--db", db, "-o", str(graphml))
    root = ET.parse(graphml).getroot()
    assert root.tag.endswith("graphml")
    cypher = run("paths", "--db", db, "--format", "cypher")
    assert "MERGE (a:Asset {id:" in cypher and "[:CAN_READ]" in cypher


def test_access_asset_and_identity(db: str) -> None:
    out = run("access", "arn:aws:s3:::training-data", "--db", db)
    assert (
        "public" in out
        and "infer url -exposes-> infer -runs_as-> infer-role -can_read-> training-data" in out
    )
    doc = json.loads(run("access", "--identity", "infer-role", "--db", db, "--format", "json"))
    assert any(r["name"] == "training-data" for r in doc["reaches"])


def test_access_needs_one_subject(db: str) -> None:
    result = CliRunner().invoke(app, ["access", "--db", db])
    assert result.exit_code == 2


def test_paths_html_file(db: str, tmp_path: Path) -> None:
    out = tmp_path / "p.html"
    run("paths", "--db", db, "-o", str(out))
    text = out.read_text()
    assert '<svg class="graph"' in text and "paths-data" in text


def test_paths_per_jewel_and_html(db: str, tmp_path: Path) -> None:
    one = json.loads(run("paths", "--db", db, "-f", "json", "--per-jewel", "1"))
    five = json.loads(run("paths", "--db", db, "-f", "json"))
    assert 0 < len(one["paths"]) <= len(five["paths"])
    # every entry point that reaches a crown jewel keeps a path, whatever --per-jewel is
    assert {p["entry_point"]["id"] for p in one["paths"]} == {p["entry_point"]["id"] for p in five["paths"]}
    page = tmp_path / "p.html"
    run("paths", "--db", db, "-o", str(page))
    html = page.read_text(encoding="utf-8")
    assert "Toxic combinations" in html and "public-inference-broad-role" in html
    assert len(re.findall(r'<svg class="graph" data-path="\d+"', html)) == len(five["paths"])
