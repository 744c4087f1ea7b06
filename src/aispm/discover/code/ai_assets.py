"""The AI assets of repository discovery, built in one place for every language.

An SDK / framework / vector-store entry, a model or a model endpoint found in Python, a notebook
or JavaScript / TypeScript gets the same id, kind, name, provider and properties from here, so the
inventory merges the finds of several languages into one node and rules and attack-path joins
see one shape (docs/architecture.md, "Conventions of repository discovery"):

* catalog entry: ``urn('code', kind, catalog_id)``, named after the entry, provider and
  ``vendor`` the entry's ``provider``;
* model: ``urn('model', 'model', provider, model)``; the provider is the one of the entry the
  model is named through (:func:`model_asset_via`): a router's or framework's model names may
  carry it as a prefix (``anthropic/claude-…``), Hugging Face Hub loaders give ``huggingface``
  and a ``revision`` property;
* endpoint: ``urn('endpoint', 'model_endpoint', url)`` of the normalised URL, provider the one
  whose API the host serves (``model_providers.yaml`` ``hosts``: ``openrouter.ai``, a local
  server's default port), else the one of the entry whose client is pointed at it (an OpenAI
  client at an unknown gateway still speaks OpenAI's API); vector-database hosts are not model
  endpoints;
* a model called through a client pointed at a known host (:func:`model_asset_via`
  ``endpoint=``) belongs to that host's provider, since that is where its traffic goes.

Where a value comes from (``from_env``: the environment variable a model or URL is the default
of) describes one use, not the model or endpoint: it goes on the ``invokes`` / ``connects_to``
edge of the file that uses it (:func:`relate_use`), and :func:`summarise_env` writes the
order-independent ``from_env_vars`` of every use onto the node once the whole tree is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from aispm.core.ids import urn
from aispm.core.model import JSON, Asset, AssetKind, Inventory, RelationKind
from aispm.discover.code.catalog import CatalogEntry
from aispm.discover.code.endpoints import normalise_endpoint
from aispm.discover.code.model_names import (
    canonical_model_name,
    model_at_host,
    names_endpoints,
    provider_for_host,
    provider_for_model_name,
    routes_by_prefix,
    split_provider_prefix,
)

MAX_MODEL_NAME = 200
HUB_PROVIDER = "huggingface"
UNKNOWN_PROVIDER = "unknown"
"""The provider of a model or endpoint whose SDK cannot be told."""
FROM_ENV = "from_env"
"""Edge property: the environment variable the used model name or URL is the default of."""
FROM_ENV_VARS = "from_env_vars"
"""Model / endpoint property: every ``from_env`` of the edges into it, sorted."""


def entry_asset(entry: CatalogEntry) -> Asset:
    """The node of a catalog entry (one per entry, shared by every repository and language)."""
    properties = {"catalog_id": entry.id, "category": entry.category, "vendor": entry.provider}
    entry_id = urn("code", entry.kind, entry.id)
    return Asset(entry_id, entry.asset_kind, entry.name, entry.provider, properties=properties, source="code")


def add_use(out: Inventory, file_id: str, entry: CatalogEntry, line: int, **edge: JSON) -> str:
    """Add the entry's node and ``file --uses--> entry``; returns the entry's asset id."""
    asset = out.add(entry_asset(entry))
    out.relate(file_id, RelationKind.USES, asset.id, line=line, **edge)
    return asset.id


def model_asset(provider: str, model: str, *, hub: bool = False, revision: str | None = None) -> Asset:
    """The node of a model; hub models always carry ``revision`` (``None`` when unpinned)."""
    properties: dict[str, Any] = {"provider": provider, "model": model}
    if hub:
        properties["revision"] = revision
    model_id = urn("model", "model", provider, model)
    return Asset(model_id, AssetKind.MODEL, model, provider, properties=properties, source="code")


def plausible_model_name(value: str) -> bool:
    """A string that can be a model name: not empty, not too long, no white space."""
    return 0 < len(value) <= MAX_MODEL_NAME and not any(c.isspace() for c in value)


def looks_like_path(value: str) -> bool:
    """A local path rather than a hub id (``./models/x``, ``/opt/m``, ``~/m``, ``C:\\m``)."""
    return (
        value.startswith((".", "/", "~", "\\"))
        or (len(value) > 1 and value[1] == ":")
        or value.count("/") > 1
    )


def model_provider(entry: CatalogEntry, model: str) -> tuple[str, str]:
    """(provider, model name) of a model named through ``entry``: a ``provider/`` or
    ``provider:`` prefix is read for entries that route to many providers (LiteLLM, LangChain,
    Pydantic AI ...), whose unprefixed names go by the name's look (``claude-…``)."""
    if not routes_by_prefix(entry.id):
        return entry.provider, model
    return split_provider_prefix(model) or (provider_for_model_name(model) or entry.provider, model)


def model_asset_via(
    entry: CatalogEntry,
    value: str,
    *,
    hub: bool = False,
    revision: str | None = None,
    named_provider: str | None = None,
    endpoint: str | None = None,
) -> Asset | None:
    """The model a literal ``value`` names when passed to ``entry``'s SDK, else ``None``.

    ``hub``: the call pulls the model from the Hugging Face Hub (local paths are not models);
    ``named_provider``: the code names the provider itself (``model_provider="groq"``,
    ``openai("gpt-4o")``); ``endpoint``: the URL the client the model is called through is
    pointed at.  A known host decides the provider over everything else but the Hub (an OpenAI
    client at ``https://openrouter.ai/api/v1`` calls OpenRouter's ``deepseek/deepseek-chat``);
    through a router entry, a routing prefix naming that provider or only an OpenAI-compatible
    API (LiteLLM's ``openai/``) is dropped then (:func:`model_names.model_at_host`).
    """
    value = value.strip()
    if not plausible_model_name(value):
        return None
    if hub:
        return (
            None if looks_like_path(value) else model_asset(HUB_PROVIDER, value, hub=True, revision=revision)
        )
    at = endpoint_provider(endpoint) if endpoint else None
    if at is not None:
        provider, model = at, model_at_host(at, value) if routes_by_prefix(entry.id) else value
    elif named_provider:
        provider, model = named_provider, value
    else:
        provider, model = model_provider(entry, value)
    return model_asset(provider, canonical_model_name(provider, model))


def endpoint_provider(url: str) -> str | None:
    """The provider whose API the host (and port) of ``url`` serves, else ``None`` (not a URL,
    or a host ``model_providers.yaml`` does not know)."""
    normal = normalise_endpoint(url)
    return _host_provider(normal[0], normal[1]) if normal is not None else None


def _host_provider(clean: str, properties: dict[str, Any]) -> str | None:
    try:
        port = urlsplit(clean).port
    except ValueError:
        return None
    return provider_for_host(str(properties["host"]), port, local=bool(properties["local"]))


def endpoint_asset(url: str, provider: str) -> Asset | None:
    """The node of the endpoint at ``url`` (normalised), else ``None`` when it is no http(s) /
    ws(s) URL; ``provider`` (the SDK's) is used unless the host is a known provider's."""
    normal = normalise_endpoint(url)
    if normal is None:
        return None
    clean, properties = normal
    provider = _host_provider(clean, properties) or provider
    endpoint_id = urn("endpoint", "model_endpoint", clean)
    return Asset(endpoint_id, AssetKind.MODEL_ENDPOINT, clean, provider, properties=properties, source="code")


def endpoint_asset_via(entry: CatalogEntry, url: str) -> Asset | None:
    """The endpoint ``entry``'s client is pointed at by ``url``, else ``None`` (not a URL, or an
    entry such as a vector database whose URLs are no model endpoints)."""
    if not names_endpoints(entry.category):
        return None
    return endpoint_asset(url, entry.provider)


def relate_use(
    out: Inventory,
    source: str,
    kind: RelationKind,
    asset: Asset,
    uses: Iterable[tuple[int, str | None]],
    **edge: JSON,
) -> None:
    """Add ``asset`` and one ``source --kind--> asset`` edge for all its ``uses`` (line, env
    variable) in one file: ``line`` of the first use, ``from_env`` the first variable any use
    reads the value from (the file's choice can be overridden through it)."""
    listed = list(uses)
    out.add(asset)
    env = next((e for _, e in listed if e), None)
    properties: dict[str, JSON] = {"line": listed[0][0]} if listed else {}
    properties.update(edge)
    if env:
        properties[FROM_ENV] = env
    out.relate(source, kind, asset.id, **properties)


def summarise_env(out: Inventory) -> None:
    """Give every model and endpoint used with ``from_env`` edges the sorted ``from_env_vars``
    of all of them (run once the whole tree is read, so file order does not matter)."""
    kinds = {AssetKind.MODEL: RelationKind.INVOKES, AssetKind.MODEL_ENDPOINT: RelationKind.CONNECTS_TO}
    for asset in list(out.of_kind(*kinds)):
        edges = out.incoming(asset.id, kinds[asset.kind])
        names = sorted({str(r.properties[FROM_ENV]) for r in edges if r.properties.get(FROM_ENV)})
        if names:  # merged into the node: the key is new to it
            out.add(
                Asset(asset.id, asset.kind, asset.name, asset.provider, properties={FROM_ENV_VARS: names})
            )
