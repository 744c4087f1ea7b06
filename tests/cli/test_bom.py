"""``aispm bom``: the AI-BOM of a kept scan, from a real scan kept in a real SQLite history."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from typer.testing import CliRunner

from aispm.cli.main import app, build_app

SOURCE = (
    'import openai\nclient = openai.OpenAI()\nclient.chat.completions.create(model="gpt-4o", messages=[])\n'
)


@pytest.fixture(scope="module", autouse=True)
def _commands() -> None:
    build_app()


@pytest.fixture()
def db(tmp_path: Path) -> str:
    repo = tmp_path / "repo"
    (repo / "models").mkdir(parents=True)
    (repo / "app.py").write_text(SOURCE)
    (repo / "requirements.txt").write_text("openai==1.40.0\nrequests==2.32.0\n")
    header = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
    (repo / "models" / "w.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + bytes(4))
    (repo / "models" / "README.md").write_text("---\nlicense: mit\ndatasets: [squad]\n---\n")
    url = str(tmp_path / "h.db")
    result = CliRunner().invoke(app, ["scan", str(repo), "--db", url, "-q"])
    assert result.exit_code in (0, 3), result.output
    return url


def test_bom_of_latest_scan_is_valid_json(db: str, tmp_path: Path) -> None:
    out = tmp_path / "bom.json"
    result = CliRunner().invoke(app, ["bom", "--db", db, "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    by_name = {c["name"]: c for c in doc["components"]}
    model = by_name["models/w.safetensors"]
    assert model["type"] == "machine-learning-model"
    assert model["licenses"][0]["license"]["name"] == "mit"
    assert model["modelCard"]["modelParameters"]["datasets"]
    assert by_name["openai"]["purl"] == "pkg:pypi/openai@1.40.0"
    assert "requests" not in by_name
    assert any(c["name"] == "gpt-4o" for c in doc["components"])


def test_bom_by_id_to_stdout_and_xml(db: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bom", "1", "--db", db])
    assert result.exit_code == 0 and json.loads(result.output)["bomFormat"] == "CycloneDX"
    out = tmp_path / "bom.xml"
    result = CliRunner().invoke(app, ["bom", "--db", db, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert ET.fromstring(out.read_text()).tag.endswith("bom")


def test_bom_errors(tmp_path: Path, db: str) -> None:
    empty = CliRunner().invoke(app, ["bom", "--db", str(tmp_path / "empty.db")])
    assert empty.exit_code == 2 and "no scans" in empty.output
    unknown = CliRunner().invoke(app, ["bom", "99", "--db", db])
    assert unknown.exit_code == 2 and "unknown scan id" in unknown.output
