"""The analyzers a repository scan runs, in order (byte-level analyzers first)."""

from __future__ import annotations

from aispm.advisories import AdvisoryDB
from aispm.discover.code.base import FileAnalyzer
from aispm.discover.code.dependencies import DependencyAnalyzer
from aispm.discover.code.javascript import JavaScriptAnalyzer
from aispm.discover.code.mcp_config import McpConfigAnalyzer
from aispm.discover.code.model_files import ModelFileAnalyzer
from aispm.discover.code.notebook import NotebookAnalyzer
from aispm.discover.code.prompt_files import PromptFileAnalyzer
from aispm.discover.code.python import PythonAnalyzer
from aispm.discover.code.secrets import SecretsAnalyzer


def default_analyzers(advisories: AdvisoryDB | None) -> list[FileAnalyzer]:
    """Every repository analyzer; ``advisories`` feeds the vulnerable-dependency check."""
    return [
        ModelFileAnalyzer(),
        PythonAnalyzer(),
        NotebookAnalyzer(),
        JavaScriptAnalyzer(),
        McpConfigAnalyzer(),
        PromptFileAnalyzer(),
        DependencyAnalyzer(advisories),
        SecretsAnalyzer(),
    ]
