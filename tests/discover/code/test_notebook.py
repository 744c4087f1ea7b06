"""NotebookAnalyzer: code cells as one module, magics skipped, lines mapped into the .ipynb."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from source_files import run_analyzer, write_file

from aispm.core.ids import urn
from aispm.core.model import AssetKind, Inventory, RelationKind
from aispm.discover.code.base import SourceFile
from aispm.discover.code.notebook import NotebookAnalyzer, python_lines

REPO = "github.com/acme/nb"


def notebook(*cells: tuple[str, str], language: str = "python") -> dict[str, Any]:
    """An nbformat-4 notebook; each cell is (cell_type, source)."""
    return {
        "cells": [
            {
                "cell_type": kind,
                "execution_count": None,
                "id": f"c{i}",
                "metadata": {},
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["model='gpt-4o'\n"]}]
                if kind == "code"
                else [],
                "source": source.splitlines(keepends=True),
            }
            for i, (kind, source) in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": language, "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def scan(root: Path, content: str, rel: str = "nb/explore.ipynb") -> tuple[Inventory, SourceFile]:
    file = write_file(root, rel, content, REPO)
    return run_analyzer(NotebookAnalyzer(), file), file


def line_of(content: str, needle: str) -> int:
    return next(i for i, line in enumerate(content.splitlines(), start=1) if needle in line)


def test_code_cells_with_magics_are_analysed(tmp_path: Path) -> None:
    content = json.dumps(
        notebook(
            ("markdown", "# Exploring\nimport anthropic  # just text\n"),
            ("code", "%pip install openai\n!ls -l\nfiles = !ls\nimport openai\nopenai?\n"),
            ("code", "%%bash\necho $OPENAI_API_KEY\nimport torch\n"),
            ("code", "%%time\nclient = openai.OpenAI()\n"),
            (
                "code",
                'MODEL = "gpt-4o-mini"\nif True:\n    %time x = 1\n'
                "r = await client.chat.completions.create(\n"
                "    model=MODEL, messages=[])\neval(r.choices[0].message.content)\n",
            ),
        ),
        indent=1,
    )
    out, file = scan(tmp_path, content)
    assert not out.warnings
    asset = out.get(file.id)
    assert asset is not None and asset.kind == AssetKind.NOTEBOOK
    assert asset.properties["language"] == "python"
    assert {r.target for r in out.outgoing(file.id, RelationKind.USES)} == {
        urn("code", "ai_service", "openai")
    }
    model = urn("model", "model", "openai", "gpt-4o-mini")
    (invoke,) = [r for r in out.outgoing(file.id, RelationKind.INVOKES) if r.target == model]
    assert invoke.properties["line"] == line_of(content, '"r = await client.chat.completions.create(')
    uses = next(out.outgoing(file.id, RelationKind.USES))
    assert uses.properties["line"] == line_of(content, '"import openai\\n"')
    (sink,) = asset.properties["llm_output_sinks"]
    assert sink["line"] == line_of(content, '"eval(r.choices')
    assert sink["source_line"] == invoke.properties["line"]


def test_a_cell_that_does_not_parse_is_skipped_with_a_warning(tmp_path: Path) -> None:
    content = json.dumps(
        notebook(
            ("code", "import openai\n"), ("code", "def broken(:\n    pass\n"), ("code", "openai.OpenAI()\n")
        ),
        indent=1,
    )
    out, file = scan(tmp_path, content)
    (warning,) = out.warnings
    assert warning.source == "notebook" and "cell 2" in warning.message
    assert warning.location is not None and warning.location.line == line_of(content, '"def broken(:')
    assert out.get(file.id) is not None


def test_minified_notebook_maps_to_the_cell_line(tmp_path: Path) -> None:
    content = json.dumps(
        notebook(("code", "import openai\nopenai.OpenAI(base_url='http://localhost:1234/v1')\n"))
    )
    out, file = scan(tmp_path, content)
    (edge,) = out.outgoing(file.id, RelationKind.CONNECTS_TO)
    assert edge.properties["line"] == 1


def test_not_json_gives_a_warning(tmp_path: Path) -> None:
    out, file = scan(tmp_path, "import openai\nthis is not json {")
    (warning,) = out.warnings
    assert warning.source == "notebook" and "invalid JSON" in warning.message
    assert warning.location is not None and warning.location.path == file.rel
    assert len(out) == 0


def test_no_cells_gives_a_warning(tmp_path: Path) -> None:
    for content in ('{"metadata": {}, "nbformat": 4}', "[1, 2, 3]", '{"cells": []}'):
        out, _ = scan(tmp_path, content)
        assert [w.message for w in out.warnings] == ["not a valid notebook: no cells"]


def test_hostile_cells_do_not_crash(tmp_path: Path) -> None:
    cells = {
        "cells": [None, 7, {"cell_type": "code", "source": 42}, {"cell_type": "code", "source": ["(" * 500]}]
    }
    out, _ = scan(tmp_path, json.dumps(cells))
    assert len(out) == 0 and len(out.warnings) == 1


def test_other_kernel_languages_are_skipped(tmp_path: Path) -> None:
    out, _ = scan(tmp_path, json.dumps(notebook(("code", "library(openai)\nx <- 1\n"), language="R")))
    assert len(out) == 0 and not out.warnings


def test_python_lines_replaces_magics_in_place() -> None:
    assert python_lines(["  !pip install x", "x = 1", "df?", "y = !pwd"]) == [
        "  pass",
        "x = 1",
        "pass",
        "pass",
    ]
    assert python_lines(["%%sql", "SELECT 1"]) is None
    assert python_lines(["%%capture out", "import torch"]) == ["pass", "import torch"]
