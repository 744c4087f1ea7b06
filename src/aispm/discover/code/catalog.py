"""The AI catalog (``data/ai_catalog.yaml``) as typed values with fast look-ups."""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from aispm.core.model import AssetKind
from aispm.data import load_yaml


class CatalogEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    kind: Literal["ai_service", "ai_framework", "vector_store"]
    category: str
    provider: str
    python: tuple[str, ...] = ()
    python_calls: tuple[str, ...] = ()
    npm: tuple[str, ...] = ()
    npm_exports: tuple[str, ...] = ()
    pypi: tuple[str, ...] = ()

    @property
    def asset_kind(self) -> AssetKind:
        return AssetKind(self.kind)


class Catalog:
    def __init__(self, entries: list[CatalogEntry]) -> None:
        self.entries = entries
        self.by_id = {e.id: e for e in entries}
        self._python = sorted(((prefix, e) for e in entries for prefix in e.python), key=lambda p: -len(p[0]))
        self._npm = {name: e for e in entries for name in e.npm if not name.endswith("/*")}
        self._npm_scopes = [(name[:-1], e) for e in entries for name in e.npm if name.endswith("/*")]
        self._npm_exports = {name: e for e in entries for name in e.npm_exports}
        self._pypi = {_norm(name): e for e in entries for name in e.pypi}
        self.python_calls = {call: e for e in entries for call in e.python_calls}

    def for_python_module(self, module: str) -> CatalogEntry | None:
        """The entry whose import prefix matches ``module`` most specifically."""
        for prefix, entry in self._python:
            if module == prefix or module.startswith(prefix + "."):
                return entry
        return None

    def for_npm(self, package: str) -> CatalogEntry | None:
        entry = self._npm.get(package)
        if entry is None:
            # subpath imports such as "@langchain/community/vectorstores/chroma" or "openai/helpers"
            parts = package.split("/")
            base = "/".join(parts[:2]) if package.startswith("@") else parts[0]
            for candidate in ("/".join(parts[: i + 1]) for i in range(len(parts) - 1, 0, -1)):
                if candidate in self._npm:
                    return self._npm[candidate]
            entry = self._npm.get(base)
        if entry is None:
            entry = next((e for scope, e in self._npm_scopes if package.startswith(scope)), None)
        return entry

    def for_npm_export(self, package: str, export: str) -> CatalogEntry | None:
        """The entry a named export reveals (``AzureOpenAI`` of ``openai``), else that of the package."""
        return self._npm_exports.get(f"{package}.{export}") or self.for_npm(package)

    def for_pypi(self, distribution: str) -> CatalogEntry | None:
        return self._pypi.get(_norm(distribution))


def _norm(name: str) -> str:
    """PEP 503 normalisation of a distribution name."""
    return "-".join(name.lower().replace("_", "-").replace(".", "-").split("-"))


@cache
def load_catalog() -> Catalog:
    return Catalog([CatalogEntry.model_validate(item) for item in load_yaml("ai_catalog.yaml")])
