"""Jupyter notebook analyzer: the code cells of an ``.ipynb`` file, analysed as one Python
module by the same core as ``.py`` files (:mod:`aispm.discover.code.python_core`).

The JSON is parsed (never executed); IPython magics and shell escapes (``%pip``, ``!ls``,
``x = !cmd``, ``obj?``) become ``pass`` so the rest still parses, and cells in another language
(``%%bash``) are skipped.  Locations point at the line of the ``.ipynb`` file where the source
line is stored, or at the cell's first line when it cannot be found.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from aispm.core.model import Inventory
from aispm.data import load_yaml
from aispm.discover.code.base import SourceFile
from aispm.discover.code.python_core import analyze_source, parse_python

_HELP = re.compile(r"[\w.]+\?{1,2}|\?{1,2}[\w.]+")
_SHELL_ASSIGN = re.compile(r"[\w, ]+=\s*[!%]")


@dataclass(frozen=True, slots=True)
class _Config:
    python_cell_magics: frozenset[str]
    languages: frozenset[str]


@cache
def _config() -> _Config:
    data: dict[str, Any] = load_yaml("notebook.yaml")
    return _Config(frozenset(data["python_cell_magics"]), frozenset(data["languages"]))


def python_lines(lines: list[str]) -> list[str] | None:
    """The cell's lines with magics and shell escapes replaced by ``pass`` (same line count),
    or ``None`` when a cell magic makes the whole cell another language."""
    result = list(lines)
    if result and result[0].lstrip().startswith("%%"):
        magic = result[0].lstrip()[2:].split(maxsplit=1)
        if not magic or magic[0] not in _config().python_cell_magics:
            return None
        result[0] = "pass"
    for index, line in enumerate(result):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or _HELP.fullmatch(stripped) or _SHELL_ASSIGN.match(stripped):
            result[index] = line[: len(line) - len(stripped)] + "pass"
    return result


class _Locator:
    """Finds the line of the raw ``.ipynb`` text that holds each source line of a cell."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.cells = [i for i, line in enumerate(self.lines) if '"cell_type":' in line]
        self.cell_index = 0
        self.cursor = 0

    def next_cell(self, items: list[str]) -> list[int]:
        """1-based file lines, one per source line of the next cell (whose source is ``items``)."""
        while self.cell_index < len(self.cells) and self.cells[self.cell_index] < self.cursor:
            self.cell_index += 1
        start = self.cells[self.cell_index] if self.cell_index < len(self.cells) else self.cursor
        end = self.cells[self.cell_index + 1] if self.cell_index + 1 < len(self.cells) else len(self.lines)
        self.cell_index += 1
        position = next((i for i in range(start, end) if '"source":' in self.lines[i]), start)
        result: list[int] = []
        for item in items:
            found = self._find(item, position, end)
            if found is not None:
                position = found
            count = max(1, len(item.splitlines()))
            result.extend([(found if found is not None else start) + 1] * count)
        self.cursor = max(self.cursor, position + 1, end)
        return result

    def _find(self, item: str, start: int, end: int) -> int | None:
        needles = {json.dumps(item, ensure_ascii=False), json.dumps(item)}
        for index in range(start, end):
            if any(needle in self.lines[index] for needle in needles):
                return index
        return None


class NotebookAnalyzer:
    """Analyses ``.ipynb`` files."""

    name = "notebook"

    def wants(self, file: SourceFile) -> bool:
        return file.suffix == ".ipynb"

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        text = file.text()
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as exc:
            out.warn(self.name, f"not a valid notebook: invalid JSON ({exc})", file.location())
            return
        cells = _cells(doc)
        if not cells:
            out.warn(self.name, "not a valid notebook: no cells", file.location())
            return
        if not _is_python(doc):
            return
        source_lines: list[str] = []
        file_lines: list[int] = []
        locator = _Locator(text)
        for number, cell in enumerate(cells, start=1):
            if not isinstance(cell, dict):
                continue
            items = _source_items(cell.get("source", cell.get("input")))
            mapped = locator.next_cell(items) if "cell_type" in cell else []
            if cell.get("cell_type") != "code":
                continue
            lines = "".join(items).splitlines()
            code = python_lines(lines)
            if code is None or not lines:
                continue
            mapped = (mapped + [mapped[-1] if mapped else 1] * len(code))[: len(code)]
            if not self._parses(file, number, code, mapped, out):
                continue
            source_lines.extend(code)
            file_lines.extend(mapped)

        def line_of(line: int) -> int:
            return file_lines[line - 1] if 0 < line <= len(file_lines) else 1

        analyze_source(
            file,
            "\n".join(source_lines) + "\n",
            out,
            source_name=self.name,
            language="python",
            line_of=line_of,
            top_level_await=True,
        )

    def _parses(
        self, file: SourceFile, number: int, code: list[str], mapped: list[int], out: Inventory
    ) -> bool:
        """Whether one cell parses on its own; a cell that does not is skipped with a warning."""
        try:
            parse_python("\n".join(code) + "\n", file.rel, top_level_await=True)
        except SyntaxError as exc:
            line = mapped[exc.lineno - 1] if exc.lineno and 0 < exc.lineno <= len(mapped) else None
            out.warn(
                self.name, f"cell {number}: cannot parse Python: {exc.msg} (line {line})", file.location(line)
            )
            return False
        except (ValueError, RecursionError, MemoryError) as exc:
            out.warn(self.name, f"cell {number}: cannot parse Python: {type(exc).__name__}", file.location())
            return False
        return True


def _cells(doc: Any) -> list[Any]:
    if not isinstance(doc, dict):
        return []
    cells = doc.get("cells")
    if isinstance(cells, list):
        return cells
    worksheets = doc.get("worksheets")  # nbformat 3
    if isinstance(worksheets, list):
        return [
            c for ws in worksheets if isinstance(ws, dict) for c in ws.get("cells") or [] if c is not None
        ]
    return []


def _is_python(doc: dict[str, Any]) -> bool:
    metadata = doc.get("metadata")
    if not isinstance(metadata, dict):
        return True
    names = []
    for key, field in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get(field), str):
            names.append(section[field].lower())
    return not names or any(name in _config().languages for name in names)


def _source_items(source: Any) -> list[str]:
    if isinstance(source, str):
        return [source]
    if isinstance(source, list):
        return [item for item in source if isinstance(item, str)]
    return []
