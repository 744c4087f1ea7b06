"""Models and endpoints named in calls on AI SDK / framework objects.

``client.chat.completions.create(model="gpt-4o")`` on an OpenAI client names model
``openai/gpt-4o``; ``AutoModel.from_pretrained("org/name", revision="abc")`` names Hugging Face
model ``org/name`` at that revision; ``OpenAI(base_url="http://localhost:8000/v1")`` connects to
that endpoint.  Which keywords and calls count is data (``code_models.yaml``); the providers model names
point at are in ``model_providers.yaml``.
"""

from __future__ import annotations

import ast

from aispm.discover.code.catalog import CatalogEntry
from aispm.discover.code.endpoints import normalise_endpoint
from aispm.discover.code.model_names import (
    provider_for_model_name,
    provider_for_prefix,
    split_provider_prefix,
)
from aispm.discover.code.python_context import Context
from aispm.discover.code.python_found import EndpointRec, ModelRec
from aispm.discover.code.python_resolve import Literal, Scope

MAX_MODEL_NAME = 200


def looks_like_path(value: str) -> bool:
    """A local path rather than a hub id (``./models/x``, ``/opt/m``, ``~/m``, ``C:\\m``)."""
    return (
        value.startswith((".", "/", "~", "\\"))
        or (len(value) > 1 and value[1] == ":")
        or value.count("/") > 1
    )


class ModelTracker:
    """Finds models and endpoints in the calls of one file."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.config = ctx.data.models

    def on_call(self, call: ast.Call, name: str, entry: CatalogEntry, scope: Scope) -> None:
        hub = self.ctx.data.hub_loaders(name)
        model = self._model_literal(call, name, hub, scope)
        if model is not None and isinstance(model.value, str):
            rec = self.model(model, entry, call, name, scope, hub)
            if rec is not None:
                self.ctx.found.models.append(rec)
                self.ctx.models_at[id(call)] = rec
        if entry.category in self.config.endpoint_categories_excluded:
            return
        for kw in call.keywords:
            if kw.arg in self.config.endpoint_keywords:
                url = self.ctx.resolver.string(kw.value, scope)
                normal = normalise_endpoint(str(url.value)) if url else None
                if url is not None and normal is not None:
                    rec_url, props = normal
                    line = self.ctx.line(kw.value)
                    self.ctx.found.endpoints.append(
                        EndpointRec(rec_url, props, entry.provider, line, url.env)
                    )

    def _model_literal(self, call: ast.Call, name: str, hub: bool, scope: Scope) -> Literal | None:
        keywords = self.config.model_keywords | (self.config.hub_keywords if hub else frozenset())
        for kw in call.keywords:
            if kw.arg in keywords:
                return self.ctx.resolver.string(kw.value, scope)
        for globs, index in self.ctx.data.positional_models:
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
        value = str(literal.value).strip()
        if not value or len(value) > MAX_MODEL_NAME or any(c.isspace() for c in value):
            return None
        line = self.ctx.line(call)
        if hub:
            if looks_like_path(value):
                return None
            revision = None
            for kw in call.keywords:
                if kw.arg == "revision":
                    found = self.ctx.resolver.string(kw.value, scope)
                    revision = str(found.value) if found else None
            return ModelRec("huggingface", value, line, name, hub=True, revision=revision, env=literal.env)
        provider, model = self.provider(entry, value, call, scope)
        return ModelRec(provider, model, line, name, env=literal.env)

    def provider(
        self, entry: CatalogEntry, model: str, call: ast.Call | None, scope: Scope
    ) -> tuple[str, str]:
        """(provider, model name) — a ``provider/`` or ``provider:`` prefix is read for entries
        that route to many providers (LiteLLM, CrewAI, Pydantic AI ...)."""
        if call is not None:
            for kw in call.keywords:
                if kw.arg == "model_provider":
                    named = self.ctx.resolver.string(kw.value, scope)
                    provider = provider_for_prefix(str(named.value)) if named else None
                    if provider is not None:
                        return provider, model
        if entry.id not in self.config.provider_prefixed:
            return entry.provider, model
        return split_provider_prefix(model) or (provider_for_model_name(model) or entry.provider, model)
