"""OpenTelemetry GenAI spans, when the OpenTelemetry SDK is importable (else nothing happens)."""

from __future__ import annotations

from typing import Any

from aispm.guard.store import GuardEvent

try:  # optional dependency
    from opentelemetry import trace as _trace

    _TRACER: Any = _trace.get_tracer("aispm.guard")
except ImportError:  # pragma: no cover - depends on the environment
    _TRACER = None


def available() -> bool:
    return _TRACER is not None


def genai_attributes(event: GuardEvent) -> dict[str, Any]:
    """Span attributes in the OpenTelemetry GenAI semantic conventions (plus ``aispm.guard.*``)."""
    operation = {
        "/v1/chat/completions": "chat",
        "/v1/messages": "chat",
        "/v1/completions": "text_completion",
        "/v1/embeddings": "embeddings",
        "/v1/responses": "chat",
    }.get(event.path, "other")
    attrs: dict[str, Any] = {
        "gen_ai.system": event.provider or event.api,
        "gen_ai.operation.name": operation,
        "gen_ai.request.model": event.model or "",
        "aispm.guard.verdict": event.verdict,
        "aispm.guard.key": event.key_name or "",
        "http.response.status_code": event.status,
    }
    if event.tokens_in is not None:
        attrs["gen_ai.usage.input_tokens"] = event.tokens_in
    if event.tokens_out is not None:
        attrs["gen_ai.usage.output_tokens"] = event.tokens_out
    if event.detections:
        attrs["aispm.guard.detections"] = [f"{d['detector']}:{d['type']}" for d in event.detections]
    return attrs


def record_span(event: GuardEvent, start_ns: int, end_ns: int) -> None:
    """Emit the finished request as a span (no-op without OpenTelemetry)."""
    if _TRACER is None:
        return
    attrs = genai_attributes(event)
    span = _TRACER.start_span(
        f"{attrs['gen_ai.operation.name']} {event.model or ''}".strip(), start_time=start_ns
    )
    span.set_attributes(attrs)
    span.end(end_time=end_ns)
