"""Provider adapters: the URL and headers of a forwarded request, per upstream type.

Provider keys come from the gateway config only; whatever credential the client sent is never
forwarded.  Bedrock upstreams are not plain forwards: :mod:`aispm.guard.bedrock` translates and signs.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from aispm.guard.config import Upstream

_HOP_HEADERS = ("anthropic-version", "anthropic-beta", "openai-organization", "openai-project")
_AZURE_PATHS = {
    "/v1/chat/completions": "chat/completions",
    "/v1/completions": "completions",
    "/v1/embeddings": "embeddings",
}


class UnsupportedUpstream(Exception):
    """The upstream type cannot serve this path (the message says why)."""


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    headers: dict[str, str]


def target(upstream: Upstream, path: str, model: str | None, client_headers: dict[str, str]) -> Target:
    """Where to send a request that came in on ``path`` for ``model``, with which headers."""
    headers = {"content-type": "application/json", "accept-encoding": "identity"}
    for name in _HOP_HEADERS:
        if name in client_headers:
            headers[name] = client_headers[name]
    base = upstream.url.rstrip("/")
    if upstream.type == "openai":
        if upstream.api_key:
            headers["authorization"] = f"Bearer {upstream.api_key}"
        suffix = path[3:] if path.startswith("/v1/") and base.endswith("/v1") else path
        return Target(base + suffix, headers)
    if upstream.type == "azure":
        if upstream.api_key:
            headers["api-key"] = upstream.api_key
        version = upstream.api_version or "2024-10-21"
        if path == "/v1/models":
            return Target(f"{base}/openai/models?api-version={quote(version)}", headers)
        if path == "/v1/responses":
            return Target(f"{base}/openai/v1/responses", headers)
        operation = _AZURE_PATHS.get(path)
        if operation is None or not model:
            raise UnsupportedUpstream(f"Azure OpenAI upstreams do not serve {path}")
        deployment = quote(upstream.deployments.get(model, model), safe="")
        return Target(
            f"{base}/openai/deployments/{deployment}/{operation}?api-version={quote(version)}", headers
        )
    if upstream.type == "anthropic":
        if upstream.api_key:
            headers["x-api-key"] = upstream.api_key
        headers.setdefault("anthropic-version", "2023-06-01")
        suffix = path[3:] if base.endswith("/v1") else path
        return Target(base + suffix, headers)
    raise UnsupportedUpstream(
        f"{upstream.type} upstreams serve only chat completions and messages (translated to Converse)"
    )
