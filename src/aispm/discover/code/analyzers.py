"""The analyzers a repository scan runs, in order (byte-level analyzers first)."""

from __future__ import annotations

from pathlib import Path

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
from aispm.discover.iac import iac_and_manifest_analyzers


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
        *iac_and_manifest_analyzers(),
    ]


class AnalyzerFactory:
    """Builds the analyzers in whichever process runs them.

    Worker processes cannot share the parent's open advisory database, so the factory pickles
    only where the database comes from and reopens it in the worker on first use.
    """

    def __init__(self, advisories_path: Path | None, preloaded: AdvisoryDB | None = None) -> None:
        self.advisories_path = advisories_path
        """An explicit ``--advisories`` location, or None for the default download."""
        self._db = preloaded
        self._has_db = preloaded is not None

    def __call__(self) -> list[FileAnalyzer]:
        if self._db is None and self._has_db:
            path = self.advisories_path
            self._db = AdvisoryDB.load(path) if path is not None else AdvisoryDB.load_default()
        return default_analyzers(self._db)

    def __getstate__(self) -> dict[str, object]:
        return {"advisories_path": self.advisories_path, "_db": None, "_has_db": self._has_db}
