"""Models and endpoints named in calls on AI SDK / framework objects.

``client.chat.completions.create(model="gpt-4o")`` on an OpenAI client names model
``openai/gpt-4o``; ``AutoModel.from_pretrained("org/name", revision="abc")`` names Hugging Face
model ``org/name`` at that revision; ``OpenAI(base_url="http://localhost:8000/v1")`` connects to
that endpoint.  A model called through a client pointed at a provider's host
(``OpenAI(base_url="https://openrouter.ai/api/v1")``) belongs to that provider: the client is the
call itself, the object the method is called on, a client passed to the call, or the SDK module
set to a URL (``openai.base_url = "…"``).  Which keywords and calls count is data
(``code_models.yaml``); which provider a model or endpoint belongs to, and the assets themselves,
are shared with the other languages (:mod:`aispm.discover.code.ai_assets`).
"""

from __future__ import annotations

import ast

from aispm.discover.code.ai_assets import endpoint_asset_via, model_asset_via
from aispm.discover.code.catalog import CatalogEntry
from aispm.discover.code.model_names import names_endpoints, provider_for_prefix
from aispm.discover.code.python_context import Context
from aispm.discover.code.python_found import EndpointRec, ModelRec
from aispm.discover.code.python_resolve import MAX_DEPTH, Literal, Scope

MAX_CLIENTS = 16
"""Calls looked at for the client a model is called through."""


class ModelTracker:
    """Finds models and endpoints in the calls of one file."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.config = ctx.data.models
        self.module_urls: dict[str, str] = {}
        """URL an SDK module was set to (``openai.base_url = "…"``), by catalog id."""
        self.environ_urls: dict[str, tuple[str, int]] = {}
        """(URL, line) the file set an SDK's base-URL variable to (``endpoint_env``), by name."""
        self._url_variables = frozenset(v for names in self.config.endpoint_env.values() for v in names)

    def on_call(
        self, call: ast.Call, name: str, entry: CatalogEntry, scope: Scope, *, instance: bool = False
    ) -> None:
        """``instance``: the call calls an object the SDK made (``lm("hello")``), whose
        positional arguments are no model names."""
        hub = self.ctx.data.hub_loaders(name)
        keywords = self.ctx.resolver.keywords(call, scope) if call.keywords else []
        model = self._model_literal(call, keywords, name, hub, scope, positional=not instance)
        if model is not None and isinstance(model.value, str):
            rec = self.model(model, entry, call, name, scope, hub)
            if rec is not None:
                self.ctx.found.models.append(rec)
                self.ctx.models_at[id(call)] = rec
        for keyword, value, owner in keywords:
            if keyword in self.config.endpoint_keywords:
                url = self.ctx.resolver.string(value, owner)
                asset = endpoint_asset_via(entry, str(url.value)) if url else None
                if asset is not None and url is not None:
                    self.ctx.found.endpoints.append(EndpointRec(asset, self.ctx.line(value), url.env))

    def on_setting(self, target: ast.Attribute, value: ast.expr, scope: Scope) -> None:
        """``openai.base_url = "…"`` / ``client.api_base = "…"``: an SDK module or client
        pointed at an endpoint by setting an attribute (the pre-1.0 OpenAI SDK's way)."""
        if target.attr not in self.config.endpoint_keywords:
            return
        ref = self.ctx.resolver.ref(target.value, scope)
        if ref is None or ref.entry is None:
            return
        url = self.ctx.resolver.string(value, scope)
        asset = endpoint_asset_via(ref.entry, str(url.value)) if url else None
        if asset is not None and url is not None:
            self.ctx.found.endpoints.append(EndpointRec(asset, self.ctx.line(value), url.env))
            if "()" not in ref.qname:  # the module itself: every client made later defaults to it
                self.module_urls[ref.entry.id] = str(url.value)

    def on_environ(self, name: str, value: ast.expr, scope: Scope, *, default: bool = False) -> None:
        """``os.environ["X"] = "…"`` / ``os.environ.setdefault("X", "…")``: later reads of ``X``
        in the file give that value; an SDK's base-URL variable points its clients there."""
        found = self.ctx.resolver.set_environ(name, value, scope, default=default)
        if found is not None and name in self._url_variables:
            self.environ_urls[name] = (str(found.value), self.ctx.line(value))

    def finish(self) -> None:
        """The endpoints of base-URL variables set in the file, for the SDKs the file uses."""
        entries = {entry.id: entry for entry, _, _ in self.ctx.found.uses}
        for catalog_id, names in self.config.endpoint_env.items():
            entry = entries.get(catalog_id)
            if entry is None:
                continue
            for name in (n for n in names if n in self.environ_urls):
                url, line = self.environ_urls[name]
                asset = endpoint_asset_via(entry, url)
                if asset is not None:
                    self.ctx.found.endpoints.append(EndpointRec(asset, line, name))

    def _model_literal(
        self,
        call: ast.Call,
        keywords: list[tuple[str, ast.expr, Scope]],
        name: str,
        hub: bool,
        scope: Scope,
        *,
        positional: bool,
    ) -> Literal | None:
        wanted = self.config.model_keywords | (self.config.hub_keywords if hub else frozenset())
        for keyword, value, owner in keywords:
            if keyword in wanted:
                return self.ctx.resolver.string(value, owner)
        for globs, index in self.ctx.data.positional_models if positional else ():
            if globs(name) and index < len(call.args) and not isinstance(call.args[index], ast.Starred):
                return self.ctx.resolver.string(call.args[index], scope)
        return None

    def model(
        self,
        literal: Literal,
        entry: CatalogEntry,
        call: ast.Call,
        name: str,
        scope: Scope,
        hub: bool = False,
    ) -> ModelRec | None:
        """A model record for a literal model name used through ``entry``."""
        revision = None
        for kw in call.keywords if hub else ():
            if kw.arg == "revision":
                found = self.ctx.resolver.string(kw.value, scope)
                revision = str(found.value) if found else None
        asset = model_asset_via(
            entry,
            str(literal.value),
            hub=hub,
            revision=revision,
            named_provider=self._named_provider(call, scope),
            endpoint=None if hub else self.client_url(call, scope, entry),
        )
        return ModelRec(asset, self.ctx.line(call), name, literal.env) if asset is not None else None

    def client_url(self, call: ast.Call, scope: Scope, entry: CatalogEntry) -> str | None:
        """The URL the client ``call`` goes through is pointed at: an endpoint keyword of the
        call itself (``ChatOpenAI(model=…, base_url=…)``), of the object it is a method of
        (``client = OpenAI(base_url=…); client.chat.completions.create(…)``, also through
        ``self.client``), of a client passed to it (``OpenAIChatCompletionsModel(model=…,
        openai_client=AsyncOpenAI(base_url=…))``, one level further for a provider object),
        else the URL ``entry``'s module was set to, else the one the file set the SDK's base-URL
        variable to.  Only calls of catalog entries whose URLs are model endpoints count."""
        queue: list[tuple[ast.Call, Scope, int]] = [(call, scope, 0)]
        seen: set[int] = set()
        while queue and len(seen) < MAX_CLIENTS:
            node, owner, depth = queue.pop(0)
            if id(node) in seen:
                continue
            seen.add(id(node))
            url = self._own_url(node, owner, entry if node is call else None)
            if url is not None:
                return url
            queue.extend((c, o, depth) for c, o in self._receivers(node.func, owner))
            if depth < 2:
                queue.extend((c, o, depth + 1) for c, o in self._passed(node, owner))
        if entry.id in self.module_urls:
            return self.module_urls[entry.id]
        return next(
            (
                self.environ_urls[n][0]
                for n in self.config.endpoint_env.get(entry.id, ())
                if n in self.environ_urls
            ),
            None,
        )

    def _own_url(self, node: ast.Call, scope: Scope, entry: CatalogEntry | None) -> str | None:
        """The URL an endpoint keyword of ``node`` gives (``entry``: the call's, when known)."""
        if entry is None:
            ref = self.ctx.resolver.ref(node.func, scope)
            entry = ref.entry if ref is not None else None
        if entry is None or not names_endpoints(entry.category):
            return None
        for keyword, value, owner in self.ctx.resolver.keywords(node, scope) if node.keywords else ():
            if keyword in self.config.endpoint_keywords:
                url = self.ctx.resolver.string(value, owner)
                if url is not None:
                    return str(url.value)
        return None

    def _receivers(self, func: ast.expr, scope: Scope) -> list[tuple[ast.Call, Scope]]:
        """The calls that made the object ``func`` is a method of, nearest first:
        ``OpenAI(…)`` of ``client.chat.completions.create`` after ``client = OpenAI(…)``."""
        found: list[tuple[ast.Call, Scope]] = []
        node, owner = func, scope
        for _ in range(MAX_DEPTH):
            if isinstance(node, ast.Attribute) and not _is_self(node.value):
                node = node.value
            elif isinstance(node, ast.Call):
                found.append((node, owner))
                node = node.func
            elif isinstance(node, ast.Name | ast.Attribute | ast.Await):
                resolved, where = self.ctx.resolver.value(node, owner)
                if resolved is node:
                    break
                node, owner = resolved, where
            else:
                break
        return found

    def _passed(self, call: ast.Call, scope: Scope) -> list[tuple[ast.Call, Scope]]:
        """The calls that made the objects passed to ``call`` (``openai_client=client``)."""
        found: list[tuple[ast.Call, Scope]] = []
        for value in [*call.args, *(k.value for k in call.keywords)]:
            node, owner = self.ctx.resolver.value(value, scope)
            if isinstance(node, ast.Call):
                found.append((node, owner))
        return found

    def _named_provider(self, call: ast.Call, scope: Scope) -> str | None:
        """The provider a ``model_provider=`` argument names (LangChain's ``init_chat_model``)."""
        for kw in call.keywords:
            if kw.arg == "model_provider":
                named = self.ctx.resolver.string(kw.value, scope)
                return provider_for_prefix(str(named.value)) if named else None
        return None


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id in ("self", "cls")
