"""JavaScript / TypeScript analyzer: AI packages in ``package.json``, AI imports, model names and
base URLs in source files.

Source files are parsed with tree-sitter (a parser, nothing is run), so imports inside comments,
strings and template literals are not mistaken for imports.  What is found:

* ``package.json`` dependencies and imports (``import``, ``export … from``, ``import()``,
  ``require()``, TypeScript ``import x = require()``) of packages in the AI catalog: an SDK /
  framework / vector-store asset and a ``file --uses--> entry`` edge;
* in files that use an AI catalog entry, string values of ``model``-like keys in object literals
  passed to calls (``create({model: "gpt-4o"})``, ``model: openai("gpt-4o")``): a model asset
  and ``file --invokes--> model``;
* in those files, URL values of ``baseURL``-like keys: a model-endpoint asset and
  ``file --connects_to--> endpoint``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import tree_sitter
import tree_sitter_javascript
import tree_sitter_typescript

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.data import load_yaml
from aispm.discover.code.base import SourceFile, ensure_file_asset
from aispm.discover.code.catalog import CatalogEntry, load_catalog
from aispm.discover.code.endpoints import normalise_endpoint
from aispm.discover.code.model_names import provider_for_model_name

_MAX_MODEL_NAME = 200


@dataclass(frozen=True, slots=True)
class _Config:
    grammars: dict[str, str]
    dependency_sections: tuple[str, ...]
    model_keys: frozenset[str]
    endpoint_keys: frozenset[str]
    provider_functions: dict[str, str]
    max_line_length: int


@cache
def _config() -> _Config:
    data: dict[str, Any] = load_yaml("javascript.yaml")
    return _Config(
        grammars=dict(data["grammars"]),
        dependency_sections=tuple(data["dependency_sections"]),
        model_keys=frozenset(data["model_keys"]),
        endpoint_keys=frozenset(data["endpoint_keys"]),
        provider_functions=dict(data["provider_functions"]),
        max_line_length=int(data["max_line_length"]),
    )


@cache
def _parser(grammar: str) -> tree_sitter.Parser:
    if grammar == "typescript":
        language = tree_sitter_typescript.language_typescript()
    elif grammar == "tsx":
        language = tree_sitter_typescript.language_tsx()
    else:
        language = tree_sitter_javascript.language()
    return tree_sitter.Parser(tree_sitter.Language(language))


@dataclass(slots=True)
class _Findings:
    """What one source file reveals, before it becomes assets."""

    imports: list[tuple[str, int]] = field(default_factory=list)
    models: list[tuple[str, int, str | None]] = field(default_factory=list)
    """(model name, line, provider named by a factory call such as ``openai("…")``)"""
    endpoints: list[tuple[str, int]] = field(default_factory=list)


class JavaScriptAnalyzer:
    """Finds AI SDKs, models and endpoints in ``package.json`` and JS/TS source files."""

    name = "javascript"

    def wants(self, file: SourceFile) -> bool:
        return file.name == "package.json" or file.suffix in _config().grammars

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        text = file.text()
        if file.name == "package.json":
            self._package_json(file, text, out)
        else:
            self._source(file, text, out)

    # -- package.json -------------------------------------------------------------------------

    def _package_json(self, file: SourceFile, text: str, out: Inventory) -> None:
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as exc:
            out.warn(self.name, f"malformed package.json: {exc}", file.location())
            return
        if not isinstance(doc, dict):
            out.warn(self.name, "package.json is not a JSON object", file.location())
            return
        catalog = load_catalog()
        for section in _config().dependency_sections:
            deps = doc.get(section)
            if not isinstance(deps, dict):
                continue
            for package in deps:
                entry = catalog.for_npm(package)
                if entry is not None:
                    line = _key_line(text, section, package)
                    _add_use(file, out, entry, package, line, language="json")

    # -- source files ------------------------------------------------------------------------

    def _source(self, file: SourceFile, text: str, out: Inventory) -> None:
        config = _config()
        if any(len(line) > config.max_line_length for line in text.splitlines()):
            out.warn(
                self.name,
                f"skipped: minified file (a line is longer than {config.max_line_length:,} characters)",
                file.location(),
            )
            return
        grammar = config.grammars[file.suffix]
        tree = _parser(grammar).parse(text.encode("utf-8", "surrogatepass"))
        found = _collect(tree.root_node, config)
        language = "javascript" if grammar == "javascript" else "typescript"
        catalog = load_catalog()
        used: list[CatalogEntry] = []
        for package, line in found.imports:
            entry = catalog.for_npm(package)
            if entry is not None:
                _add_use(file, out, entry, package, line, language=language)
                used.append(entry)
        if not used:
            return
        sdk_providers = sorted({e.provider for e in used if e.asset_kind is AssetKind.AI_SERVICE})
        for model, line, named_provider in found.models:
            provider = named_provider or _pick_provider(model, sdk_providers)
            model_id = urn("model", "model", provider, model)
            out.add(
                Asset(
                    id=model_id,
                    kind=AssetKind.MODEL,
                    name=model,
                    provider=provider,
                    properties={"provider": provider, "model": model},
                    source="code",
                )
            )
            out.relate(file.id, RelationKind.INVOKES, model_id, line=line)
        for url, line in found.endpoints:
            normal = normalise_endpoint(url)
            if normal is None:
                continue
            clean, props = normal
            endpoint_id = urn("endpoint", "model_endpoint", clean)
            out.add(
                Asset(
                    id=endpoint_id,
                    kind=AssetKind.MODEL_ENDPOINT,
                    name=clean,
                    provider="local" if props["local"] else str(props["host"]),
                    properties=props,
                    source="code",
                )
            )
            out.relate(file.id, RelationKind.CONNECTS_TO, endpoint_id, line=line)


def _add_use(
    file: SourceFile, out: Inventory, entry: CatalogEntry, package: str, line: int, language: str
) -> None:
    file_id = ensure_file_asset(file, out, language=language)
    entry_id = urn("code", entry.kind, entry.id)
    out.add(
        Asset(
            id=entry_id,
            kind=entry.asset_kind,
            name=entry.name,
            provider=entry.provider,
            properties={"catalog_id": entry.id, "category": entry.category, "vendor": entry.provider},
            source="code",
        )
    )
    out.relate(file_id, RelationKind.USES, entry_id, line=line, package=package)


def _pick_provider(model: str, sdk_providers: list[str]) -> str:
    """The provider of a model named in a file that uses ``sdk_providers``.

    One provider SDK: that SDK's provider (an OpenAI-compatible client calling ``llama3`` still
    goes through OpenAI's API shape).  Several: the one the model name points at.  None or no
    match: the name's provider, else ``unknown``.
    """
    by_name = provider_for_model_name(model)
    if len(sdk_providers) == 1:
        return sdk_providers[0]
    if by_name is not None:
        return by_name
    return "unknown"


def _key_line(text: str, section: str, key: str) -> int:
    """Line of ``"key":`` after ``"section":`` in JSON text (1 when not found)."""
    start = re.search(rf"{re.escape(json.dumps(section))}\s*:", text)
    found = re.compile(rf"{re.escape(json.dumps(key))}\s*:").search(text, start.end() if start else 0)
    return text.count("\n", 0, found.start()) + 1 if found else 1


# -- syntax tree --------------------------------------------------------------------------------


def _walk(root: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """Every node, depth first, without recursion (hostile nesting cannot blow the stack)."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def _collect(root: tree_sitter.Node, config: _Config) -> _Findings:
    found = _Findings()
    for node in _walk(root):
        kind = node.type
        if kind in ("import_statement", "export_statement"):
            source = node.child_by_field_name("source")
            if source is None and kind == "import_statement":
                clause = next((c for c in node.children if c.type == "import_require_clause"), None)
                source = next((c for c in clause.children if c.type == "string"), None) if clause else None
            _add_import(found, source)
        elif kind == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and (
                function.type == "import" or (function.type == "identifier" and _text(function) == "require")
            ):
                _add_import(found, _first_argument(node))
        elif kind == "pair":
            _pair(node, config, found)
    return found


def _add_import(found: _Findings, node: tree_sitter.Node | None) -> None:
    value = _string_value(node)
    if value:
        found.imports.append((value, _line(node)))


def _pair(node: tree_sitter.Node, config: _Config, found: _Findings) -> None:
    key = _key_name(node.child_by_field_name("key"))
    value = node.child_by_field_name("value")
    if key is None or value is None or not _in_call_argument(node):
        return
    if key in config.model_keys:
        named_provider: str | None = None
        if value.type == "call_expression":
            named_provider = _factory_provider(value, config)
            model = _string_value(_first_argument(value)) if named_provider else None
        else:
            model = _string_value(value)
        if model and len(model) <= _MAX_MODEL_NAME and not any(c.isspace() for c in model):
            found.models.append((model, _line(value), named_provider))
    if key in config.endpoint_keys:
        url = _string_value(value)
        if url:
            found.endpoints.append((url, _line(value)))


def _factory_provider(call: tree_sitter.Node, config: _Config) -> str | None:
    """``openai("gpt-4o")`` / ``bedrock.languageModel(...)``: the provider the factory names."""
    function = call.child_by_field_name("function")
    if function is not None and function.type == "member_expression":
        function = function.child_by_field_name("object")
    if function is None or function.type != "identifier":
        return None
    return config.provider_functions.get(_text(function))


def _in_call_argument(pair: tree_sitter.Node) -> bool:
    """Whether the pair's object literal is (nested in) an argument of a call or ``new``."""
    node = pair.parent
    while node is not None and node.type in ("object", "pair", "array"):
        node = node.parent
    return node is not None and node.type == "arguments"


def _key_name(key: tree_sitter.Node | None) -> str | None:
    if key is None:
        return None
    if key.type in ("property_identifier", "identifier"):
        return _text(key)
    return _string_value(key)


def _first_argument(call: tree_sitter.Node) -> tree_sitter.Node | None:
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return None
    return next(iter(arguments.named_children), None)


def _string_value(node: tree_sitter.Node | None) -> str | None:
    """The value of a string literal or of a template literal without substitutions."""
    if node is None or node.type not in ("string", "template_string"):
        return None
    if any(c.type == "template_substitution" for c in node.children):
        return None
    raw = _text(node)[1:-1]
    if "\\" in raw:
        raw = re.sub(r"\\(.)", r"\1", raw)
    return raw


def _text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _line(node: tree_sitter.Node | None) -> int:
    return node.start_point.row + 1 if node is not None else 1
