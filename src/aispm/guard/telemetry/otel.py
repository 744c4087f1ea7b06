"""OpenTelemetry GenAI spans, when the OpenTelemetry API is importable (else nothing happens).

One ``CLIENT`` span per model request through the gateway, in the GenAI semantic conventions
(inference span ``{gen_ai.operation.name} {gen_ai.request.model}``: ``gen_ai.operation.name``,
``gen_ai.provider.name``, ``gen_ai.request.*``, ``gen_ai.response.*``, ``gen_ai.usage.*``,
``server.address`` / ``server.port``, ``error.type``), one ``gen_ai.guardrail.result`` span event
per detection the policy acted on (guardrail conventions), and the gateway's own ``aispm.guard.*``
attributes. Matched text and prompts are never put on a span.

``gen_ai.system`` (replaced by ``gen_ai.provider.name``) is emitted too, for backends that still
read it, unless ``OTEL_SEMCONV_STABILITY_OPT_IN`` lists ``gen_ai_latest_experimental``.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from aispm import __version__
from aispm.guard.context import RequestContext

try:  # optional dependency
    from opentelemetry import trace as _trace
except ImportError:  # pragma: no cover - depends on the environment
    _trace = None  # type: ignore[assignment]

COMPONENT = "aispm guard"
"""``gen_ai.guardrail.component.name`` of the detections."""

OPERATIONS = {
    "/v1/chat/completions": "chat",
    "/v1/messages": "chat",
    "/v1/responses": "chat",
    "/v1/completions": "text_completion",
    "/v1/embeddings": "embeddings",
}
"""Request path -> ``gen_ai.operation.name``; other paths (``/v1/models``) get no GenAI span."""

PROVIDERS = {
    "openai": "openai",
    "azure": "azure.ai.openai",
    "anthropic": "anthropic",
    "bedrock": "aws.bedrock",
}
"""Upstream type -> ``gen_ai.provider.name`` (well-known values of the conventions)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


def available() -> bool:
    return _trace is not None


def _latest_only() -> bool:
    opt_in = os.environ.get("OTEL_SEMCONV_STABILITY_OPT_IN", "")
    return "gen_ai_latest_experimental" in {v.strip() for v in opt_in.split(",")}


def provider_name(ctx: RequestContext) -> str:
    if ctx.provider:
        return PROVIDERS.get(ctx.provider, ctx.provider)
    return ctx.api  # refused before a route was chosen: the client API's family


def genai_attributes(ctx: RequestContext, *, legacy: bool = True) -> dict[str, Any] | None:
    """The span attributes of a finished request (``None``: not a GenAI operation)."""
    operation = OPERATIONS.get(ctx.path)
    if operation is None:
        return None
    provider = provider_name(ctx)
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": provider,
        "http.response.status_code": ctx.status,
        "aispm.guard.verdict": ctx.verdict,
        "aispm.guard.request_id": ctx.request_id,
    }
    if legacy:
        attrs["gen_ai.system"] = provider
    if ctx.model:
        attrs["gen_ai.request.model"] = ctx.model
    if ctx.stream:
        attrs["gen_ai.request.stream"] = True
    for name, value in ctx.request_params.items():
        attrs[f"gen_ai.request.{name}"] = value
    if ctx.upstream_url:
        url = urlsplit(ctx.upstream_url)
        if url.hostname:
            attrs["server.address"] = url.hostname
            port = url.port or _DEFAULT_PORTS.get(url.scheme)
            if port:
                attrs["server.port"] = port
    if ctx.response_model:
        attrs["gen_ai.response.model"] = ctx.response_model
    if ctx.response_id:
        attrs["gen_ai.response.id"] = ctx.response_id
    if ctx.finish_reasons:
        attrs["gen_ai.response.finish_reasons"] = list(ctx.finish_reasons)
    if ctx.stream and ctx.first_chunk_ns is not None:
        attrs["gen_ai.response.time_to_first_chunk"] = max(ctx.first_chunk_ns - ctx.started_ns, 0) / 1e9
    if ctx.tokens_in is not None:
        attrs["gen_ai.usage.input_tokens"] = ctx.tokens_in
    if ctx.tokens_out is not None:
        attrs["gen_ai.usage.output_tokens"] = ctx.tokens_out
    if ctx.error_type:
        attrs["error.type"] = ctx.error_type
    if ctx.key_name:
        attrs["aispm.guard.key"] = ctx.key_name
    if ctx.route:
        attrs["aispm.guard.route"] = ctx.route
    if ctx.hits:
        attrs["aispm.guard.detections"] = [f"{h.stage}:{h.detector}:{h.type}:{h.action}" for h in ctx.hits]
    return attrs


def guardrail_events(ctx: RequestContext) -> list[dict[str, Any]]:
    """One ``gen_ai.guardrail.result`` event's attributes per detection the policy acted on."""
    provider = provider_name(ctx)
    return [
        {
            "gen_ai.guardrail.component.name": COMPONENT,
            "gen_ai.guardrail.policy.rule.id": hit.detector,
            "gen_ai.guardrail.source": hit.stage,
            "gen_ai.guardrail.result.type": "action",
            "gen_ai.guardrail.result.value": hit.action,
            "gen_ai.guardrail.risk.category": hit.type,
            "gen_ai.guardrail.risk.score": float(hit.score),
            "gen_ai.provider.name": provider,
        }
        for hit in ctx.hits
    ]


class SpanRecorder:
    """Emits finished requests as spans on ``tracer_provider`` (default: the global provider)."""

    def __init__(self, tracer_provider: Any | None = None) -> None:
        self.legacy = not _latest_only()
        if _trace is None:
            self._tracer: Any = None
        elif tracer_provider is not None:
            self._tracer = tracer_provider.get_tracer("aispm.guard", __version__)
        else:
            self._tracer = _trace.get_tracer("aispm.guard", __version__)

    def record(self, ctx: RequestContext, end_ns: int) -> None:
        if self._tracer is None or _trace is None:
            return
        attrs = genai_attributes(ctx, legacy=self.legacy)
        if attrs is None:
            return
        name = f"{attrs['gen_ai.operation.name']} {ctx.model or ''}".strip()
        span = self._tracer.start_span(
            name, kind=_trace.SpanKind.CLIENT, attributes=attrs, start_time=ctx.started_ns
        )
        if span.is_recording():
            for event in guardrail_events(ctx):
                span.add_event("gen_ai.guardrail.result", event, timestamp=end_ns)
            if ctx.error_type:
                span.set_status(_trace.Status(_trace.StatusCode.ERROR, ctx.reason))
        span.end(end_time=end_ns)
