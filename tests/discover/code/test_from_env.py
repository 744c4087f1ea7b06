"""Where a model name or URL comes from describes one use: ``from_env`` is on the ``invokes`` /
``connects_to`` edge of the file, and the shared node gets ``from_env_vars`` (every variable of
every use, sorted) only once the whole tree is read, so file order never changes the inventory."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from source_files import run_analyzer, write_file

from aispm.core.ids import urn
from aispm.core.model import Inventory, RelationKind
from aispm.discover.code.ai_assets import summarise_env
from aispm.discover.code.analyzers import AnalyzerFactory
from aispm.discover.code.collector import RepositoryCollector
from aispm.discover.code.javascript import JavaScriptAnalyzer
from aispm.discover.code.python import PythonAnalyzer

MODEL = urn("model", "model", "openai", "gpt-4o")
ENDPOINT = urn("endpoint", "model_endpoint", "https://gateway.example.com/v1")

FILES = {
    "hardcoded.py": """
        from openai import OpenAI
        client = OpenAI(base_url="https://gateway.example.com/v1")
        client.chat.completions.create(model="gpt-4o", messages=[])
        """,
    "from_env.py": """
        import os
        from openai import OpenAI
        client = OpenAI(base_url=os.getenv("OPENAI_BASE_URL", "https://gateway.example.com/v1"))
        client.chat.completions.create(model=os.getenv("OPENAI_MODEL", "gpt-4o"), messages=[])
        """,
    "web.ts": """
        import OpenAI from "openai";
        const client = new OpenAI();
        await client.chat.completions.create({ model: process.env.CHAT_MODEL ?? "gpt-4o" });
        """,
}


def _inventory(root: Path, order: list[str]) -> Inventory:
    out = Inventory()
    for rel in order:
        analyzer = PythonAnalyzer() if rel.endswith(".py") else JavaScriptAnalyzer()
        run_analyzer(analyzer, write_file(root, rel, textwrap.dedent(FILES[rel])), out=out)
    summarise_env(out)
    return out


def _snapshot(out: Inventory) -> tuple[list[Any], list[Any]]:
    assets = sorted((a.to_json() for a in out.assets), key=lambda a: str(a["id"]))
    edges = sorted((r.to_json() for r in out.relationships), key=lambda r: json.dumps(r, sort_keys=True))
    return assets, edges


def _edge(out: Inventory, rel: str, kind: RelationKind, target: str) -> dict[str, Any]:
    source = urn("code", "source_file", "github.com/acme/app", rel)
    return next(dict(r.properties) for r in out.outgoing(source, kind) if r.target == target)


def test_from_env_is_on_the_edge_of_each_file(tmp_path: Path) -> None:
    out = _inventory(tmp_path, ["hardcoded.py", "from_env.py", "web.ts"])
    assert "from_env" not in _edge(out, "hardcoded.py", RelationKind.INVOKES, MODEL)
    assert _edge(out, "from_env.py", RelationKind.INVOKES, MODEL)["from_env"] == "OPENAI_MODEL"
    assert _edge(out, "web.ts", RelationKind.INVOKES, MODEL)["from_env"] == "CHAT_MODEL"
    assert "from_env" not in _edge(out, "hardcoded.py", RelationKind.CONNECTS_TO, ENDPOINT)
    assert _edge(out, "from_env.py", RelationKind.CONNECTS_TO, ENDPOINT)["from_env"] == "OPENAI_BASE_URL"
    model, endpoint = out.get(MODEL), out.get(ENDPOINT)
    assert model is not None and endpoint is not None
    assert "from_env" not in model.properties and "from_env" not in endpoint.properties
    assert model.properties["from_env_vars"] == ["CHAT_MODEL", "OPENAI_MODEL"]
    assert endpoint.properties["from_env_vars"] == ["OPENAI_BASE_URL"]


def test_file_order_does_not_change_the_inventory(tmp_path: Path) -> None:
    forward = _inventory(tmp_path / "a", ["hardcoded.py", "from_env.py", "web.ts"])
    backward = _inventory(tmp_path / "b", ["web.ts", "from_env.py", "hardcoded.py"])
    assert _snapshot(forward) == _snapshot(backward)


def test_one_file_reading_and_hard_coding_a_model_names_the_variable(tmp_path: Path) -> None:
    out = run_analyzer(
        PythonAnalyzer(),
        write_file(
            tmp_path,
            "app.py",
            textwrap.dedent(
                """
                import os
                from openai import OpenAI
                client = OpenAI()
                client.chat.completions.create(model="gpt-4o", messages=[])
                client.chat.completions.create(model=os.environ.get("M", "gpt-4o"), messages=[])
                """
            ),
        ),
    )
    assert _edge(out, "app.py", RelationKind.INVOKES, MODEL) == {
        "line": 5,
        "call": "openai.OpenAI.chat.completions.create",
        "from_env": "M",
    }


def test_collector_summarises_whatever_the_walk_order(tmp_path: Path) -> None:
    """The same two sources under swapped names: the walk meets them in the other order."""
    first, second = tmp_path / "first", tmp_path / "second"
    for root, names in ((first, ("a.py", "b.py")), (second, ("b.py", "a.py"))):
        write_file(root, names[0], textwrap.dedent(FILES["hardcoded.py"]))
        write_file(root, names[1], textwrap.dedent(FILES["from_env.py"]))
    for root in (first, second):
        out = RepositoryCollector(root, AnalyzerFactory(None)).collect()
        model = out.get(MODEL)
        assert model is not None and model.properties["from_env_vars"] == ["OPENAI_MODEL"]
        assert "from_env" not in model.properties
