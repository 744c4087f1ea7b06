"""JavaScript / TypeScript analyzer: AI packages in ``package.json``, AI imports, model names and
base URLs in source files.

Source files are parsed with tree-sitter (a parser, nothing is run), so imports inside comments,
strings and template literals are not mistaken for imports.  What is found:

* ``package.json`` dependencies and imports (``import``, ``export … from``, ``import()``,
  ``require()``, TypeScript ``import x = require()``) of packages in the AI catalog (and named
  exports that reveal another entry, ``AzureOpenAI`` of ``openai``): an SDK / framework /
  vector-store asset and a ``file --uses--> entry`` edge;
* in files that use an AI catalog entry, models: string values of ``model``-like keys in object
  literals passed to calls (``create({model: "gpt-4o"})``, ``model: openai("gpt-4o")``) and
  model arguments of calls such as ``from_pretrained("org/name")``: a model asset and
  ``file --invokes--> model``;
* in those files, URL values of ``baseURL``-like keys: a model-endpoint asset and
  ``file --connects_to--> endpoint``; a model called through a client pointed at a provider's
  host (``new OpenAI({baseURL: "https://openrouter.ai/api/v1"})``, the call's own options or a
  provider factory made with one, ``createOpenAI({baseURL})``) belongs to that provider.
* MCP servers implemented in the file and their tools (:mod:`javascript_mcp`).

The call a model or URL is passed to is resolved to the catalog entry its object comes from
(:mod:`javascript_syntax`), and the assets are built by :mod:`ai_assets` exactly as for Python,
so the same SDK, model or endpoint is one node whichever language uses it.  A call whose object
cannot be told (a parameter, an unknown variable) falls back to the SDKs the file imports.
"""

from __future__ import annotations

import json
import re
from functools import cache, cached_property

import tree_sitter
import tree_sitter_javascript
import tree_sitter_typescript
from pydantic import BaseModel, ConfigDict

from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.data import load_yaml
from aispm.discover.code.ai_assets import (
    UNKNOWN_PROVIDER,
    add_use,
    endpoint_asset,
    endpoint_asset_via,
    endpoint_provider,
    model_asset,
    model_asset_via,
    plausible_model_name,
    relate_use,
)
from aispm.discover.code.base import SourceFile, ensure_file_asset
from aispm.discover.code.catalog import CatalogEntry, load_catalog
from aispm.discover.code.javascript_mcp import JsMcpServers, find_mcp_servers
from aispm.discover.code.javascript_syntax import (
    MAX_CHAIN,
    WRAPPERS,
    Ref,
    Resolver,
    Syntax,
    arguments,
    callee,
    collect,
    first_argument,
    line,
    object_pairs,
    text,
)
from aispm.discover.code.model_names import names_endpoints, provider_for_model_name, provider_for_prefix
from aispm.discover.code.python_data import Globs


class _Config(BaseModel):
    """``data/javascript.yaml`` (its comments document the fields), with compiled call patterns."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    grammars: dict[str, str]
    dependency_sections: tuple[str, ...]
    model_keys: frozenset[str]
    endpoint_keys: frozenset[str]
    provider_keys: frozenset[str]
    provider_functions: dict[str, str]
    positional_models: dict[str, int]
    hub_loaders: tuple[str, ...]
    max_line_length: int
    mcp_servers: JsMcpServers

    @cached_property
    def positional_matchers(self) -> tuple[tuple[Globs, int], ...]:
        return tuple((Globs([pattern]), index) for pattern, index in self.positional_models.items())

    @cached_property
    def positional_names(self) -> frozenset[str] | None:
        """Last names of the positional-model calls (``from_pretrained``), ``None`` when a pattern
        ends in a wildcard: calls named otherwise need no resolving."""
        names = [pattern.rsplit(".", 1)[-1] for pattern in self.positional_models]
        return None if any(c in name for name in names for c in "*?[") else frozenset(names)

    @cached_property
    def hub_loader(self) -> Globs:
        return Globs(self.hub_loaders)


@cache
def _config() -> _Config:
    return _Config.model_validate(load_yaml("javascript.yaml"))


@cache
def _parser(grammar: str) -> tree_sitter.Parser:
    if grammar == "typescript":
        language = tree_sitter_typescript.language_typescript()
    elif grammar == "tsx":
        language = tree_sitter_typescript.language_tsx()
    else:
        language = tree_sitter_javascript.language()
    return tree_sitter.Parser(tree_sitter.Language(language))


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
                    file_id = ensure_file_asset(file, out, language="json")
                    add_use(out, file_id, entry, _key_line(text, section, package), package=package)

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
        language = "javascript" if grammar == "javascript" else "typescript"
        syntax = collect(tree.root_node, config.model_keys | config.endpoint_keys)
        _SourceAnalysis(file, out, language, syntax, config).run()


class _SourceAnalysis:
    """Assets of one parsed source file."""

    def __init__(
        self, file: SourceFile, out: Inventory, language: str, syntax: Syntax, config: _Config
    ) -> None:
        self.file = file
        self.out = out
        self.language = language
        self.syntax = syntax
        self.config = config
        self.catalog = load_catalog()
        self.resolver = Resolver(syntax)
        self.used: dict[str, CatalogEntry] = {}
        self.uses: dict[tuple[RelationKind, str], tuple[Asset, list[tuple[int, str | None]]]] = {}
        """The models and endpoints used, each with the (line, env variable) of every use."""
        self.urls: dict[tree_sitter.Node, list[tree_sitter.Node]] = {}
        """The values of the endpoint keys in the options of each call."""
        for key, value, call in syntax.pairs:
            if key in config.endpoint_keys:
                self.urls.setdefault(call, []).append(value)

    def run(self) -> None:
        for module, at, names in self.syntax.imports:
            entries = [self.catalog.for_npm(module), *(self.catalog.for_npm_export(module, n) for n in names)]
            for entry in dict.fromkeys(e for e in entries if e is not None):
                self._use(entry, at, module)
        if not self.used:
            return
        for key, value, call in self.syntax.pairs:
            if key in self.config.model_keys:
                self._model(value, call)
            if key in self.config.endpoint_keys:
                self._endpoint(value, call)
        wanted = self.config.positional_names
        for call in self.syntax.calls:
            if wanted is not None and _last_name(callee(call)) not in wanted:
                continue
            ref = self.resolver.ref(callee(call))
            index = next((i for globs, i in self.config.positional_matchers if ref and globs(ref.name)), None)
            args = arguments(call)
            if index is not None and index < len(args) and args[index].type != "spread_element":
                self._model(args[index], call)
        for (kind, _), (asset, uses) in self.uses.items():
            relate_use(self.out, self.file.id, kind, asset, uses)
        if "mcp" in self.used:
            find_mcp_servers(
                self.file, self.out, self.language, self.syntax, self.resolver, self.config.mcp_servers
            )

    def _relate(self, kind: RelationKind, asset: Asset, at: int, env: str | None) -> None:
        self.uses.setdefault((kind, asset.id), (asset, []))[1].append((at, env))

    def _use(self, entry: CatalogEntry, line: int, module: str) -> None:
        file_id = ensure_file_asset(self.file, self.out, language=self.language)
        add_use(self.out, file_id, entry, line, package=module)
        self.used.setdefault(entry.id, entry)

    def _entry(self, call: tree_sitter.Node) -> tuple[Ref | None, CatalogEntry | None]:
        """What the callee of ``call`` refers to, and its catalog entry (used from here on)."""
        ref, entry = self._lookup(call)
        if ref is not None and entry is not None and entry.id not in self.used:
            self._use(entry, line(call), ref.module)
        return ref, entry

    def _lookup(self, call: tree_sitter.Node) -> tuple[Ref | None, CatalogEntry | None]:
        ref = self.resolver.ref(callee(call))
        if ref is None:
            return None, None
        entry = (
            self.catalog.for_npm_export(ref.module, ref.path[0])
            if ref.path
            else self.catalog.for_npm(ref.module)
        )
        return ref, entry

    def _client_url(self, call: tree_sitter.Node, entry: CatalogEntry | None) -> str | None:
        """The URL the client ``call`` goes through is pointed at: an endpoint option of the call
        itself (``new ChatOpenAI({model, configuration: {baseURL}})``; ``entry``: the call's),
        else of the call or ``new`` that made the object it is a method of or the factory it
        calls (``client = new OpenAI({baseURL})``, ``this.client``, ``createOpenAI({baseURL})``)
        when that is a catalog SDK whose URLs are model endpoints."""
        node: tree_sitter.Node | None = call
        own = True
        for _ in range(MAX_CHAIN):
            if node is None:
                return None
            kind = node.type
            if kind in ("call_expression", "new_expression"):
                known = entry if own else self._lookup(node)[1]
                if (own and known is None) or (known is not None and names_endpoints(known.category)):
                    url = next(filter(None, map(self.resolver.string, self.urls.get(node, ()))), None)
                    if url is not None:
                        return url.value
                own = False
                node = callee(node)
            elif kind == "member_expression":
                owner = node.child_by_field_name("object")
                if owner is not None and owner.type == "this":
                    member = node.child_by_field_name("property")
                    node = self.resolver.bound_value(f"this.{text(member)}") if member is not None else None
                else:
                    node = owner
            elif kind == "identifier":
                node = self.resolver.bound_value(text(node))
            elif kind in WRAPPERS:
                node = next(iter(node.named_children), None)
            else:
                return None
        return None

    def _model(self, value: tree_sitter.Node, call: tree_sitter.Node) -> None:
        if value.type == "call_expression":  # model: openai("gpt-4o"): the factory names the provider
            ref, entry = self._entry(value)
            if entry is None or entry.asset_kind is not AssetKind.AI_SERVICE:
                ref, entry = None, None
            named = entry.provider if entry else self.config.provider_functions.get(_root_name(callee(value)))
            if named is None:
                return
            argument, client = first_argument(value), value
        else:
            ref, entry = self._entry(call)
            named, argument, client = self._named_provider(call), value, call
        found = self.resolver.string(argument)
        if found is None:
            return
        if entry is not None:
            hub = ref is not None and self.config.hub_loader(ref.name)
            revision = self._revision(call) if hub else None
            endpoint = None if hub else self._client_url(client, entry)
            asset = model_asset_via(
                entry, found.value, hub=hub, revision=revision, named_provider=named, endpoint=endpoint
            )
        elif ref is None or ref.relative:
            model = found.value.strip()
            url = self._client_url(client, None)
            provider = (endpoint_provider(url) if url else None) or named or self._pick_provider(model)
            asset = model_asset(provider, model) if plausible_model_name(model) else None
        else:
            return  # passed to a package outside the AI catalog
        if asset is not None:
            self._relate(RelationKind.INVOKES, asset, line(value), found.env)

    def _endpoint(self, value: tree_sitter.Node, call: tree_sitter.Node) -> None:
        url = self.resolver.string(value)
        if url is None:
            return
        ref, entry = self._entry(call)
        if entry is not None:
            asset = endpoint_asset_via(entry, url.value)
        elif (ref is None or ref.relative) and any(names_endpoints(e.category) for e in self.used.values()):
            providers = self._service_providers()
            provider = providers[0] if len(providers) == 1 else UNKNOWN_PROVIDER
            asset = endpoint_asset(url.value, provider)
        else:
            return
        if asset is not None:
            self._relate(RelationKind.CONNECTS_TO, asset, line(value), url.env)

    def _named_provider(self, call: tree_sitter.Node) -> str | None:
        """The provider a ``modelProvider: "openai"`` option of the call names."""
        for key, value in object_pairs(call):
            if key in self.config.provider_keys:
                found = self.resolver.string(value)
                return provider_for_prefix(found.value) if found else None
        return None

    def _revision(self, call: tree_sitter.Node) -> str | None:
        found = next((self.resolver.string(v) for k, v in object_pairs(call) if k == "revision"), None)
        return found.value if found else None

    def _service_providers(self) -> list[str]:
        return sorted({e.provider for e in self.used.values() if e.asset_kind is AssetKind.AI_SERVICE})

    def _pick_provider(self, model: str) -> str:
        """The provider of a model passed to a call whose object is unknown.

        One provider SDK in the file: that SDK's provider (an OpenAI-compatible client calling
        ``llama3`` still goes through OpenAI's API shape).  Several: the one the model name points
        at.  None or no match: the name's provider, else ``unknown``.
        """
        providers = self._service_providers()
        if len(providers) == 1:
            return providers[0]
        return provider_for_model_name(model) or UNKNOWN_PROVIDER


def _last_name(node: tree_sitter.Node | None) -> str:
    """``create`` of ``client.chat.create`` and ``pipeline`` of ``pipeline``."""
    if node is not None and node.type == "member_expression":
        node = node.child_by_field_name("property")
    return text(node) if node is not None and node.type in ("identifier", "property_identifier") else ""


def _root_name(node: tree_sitter.Node | None) -> str:
    """``openai`` of ``openai`` and of ``openai.chat``."""
    if node is not None and node.type == "member_expression":
        node = node.child_by_field_name("object")
    return text(node) if node is not None and node.type == "identifier" else ""


def _key_line(text: str, section: str, key: str) -> int:
    """Line of ``"key":`` after ``"section":`` in JSON text (1 when not found)."""
    start = re.search(rf"{re.escape(json.dumps(section))}\s*:", text)
    found = re.compile(rf"{re.escape(json.dumps(key))}\s*:").search(text, start.end() if start else 0)
    return text.count("\n", 0, found.start()) + 1 if found else 1
