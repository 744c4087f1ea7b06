"""Python source analyzer: AI SDKs, models, endpoints, agents and tools, MCP servers, system
prompts, notable calls and LLM output reaching dangerous sinks, found by parsing with
:mod:`ast` (the code is never imported or run).  The analysis itself is
:mod:`aispm.discover.code.python_core`; what it produces is described in docs/architecture.md.
"""

from __future__ import annotations

from aispm.core.model import Inventory
from aispm.discover.code.base import SourceFile
from aispm.discover.code.python_core import analyze_source
from aispm.discover.code.python_gate import worth_analysing

PYTHON_SUFFIXES = frozenset({".py", ".pyw"})


class PythonAnalyzer:
    """Analyses ``.py`` / ``.pyw`` files."""

    name = "python"

    def wants(self, file: SourceFile) -> bool:
        return file.suffix in PYTHON_SUFFIXES

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        """Raises :class:`~aispm.discover.code.base.UnreadableFile` for binary / huge files."""
        source = file.text()
        if worth_analysing(source):
            analyze_source(file, source, out, source_name=self.name)
