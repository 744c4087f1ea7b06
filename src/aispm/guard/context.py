"""The per-request record the handler fills in and finally turns into a :class:`GuardEvent`."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aispm.guard.inspect import Hit
from aispm.guard.store import GuardEvent, now_iso


@dataclass(slots=True)
class RequestContext:
    api: str
    path: str
    caller: str | None
    started: float = field(default_factory=time.perf_counter)
    started_ns: int = field(default_factory=time.time_ns)
    ts: str = field(default_factory=now_iso)
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    key_name: str | None = None
    route: str | None = None
    provider: str | None = None
    upstream_url: str | None = None
    model: str | None = None
    stream: bool = False
    status: int = 200
    verdict: str = "allow"
    reason: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    hits: list[Hit] = field(default_factory=list)
    content_sha256: str | None = None
    content: str | None = None
    upstream_seconds: float = 0.0
    error_type: str | None = None
    """The error code the client got (``content_blocked``, ``upstream_error`` ...), for telemetry."""
    request_params: dict[str, float | int] = field(default_factory=dict)
    """Sampling parameters of the request (``max_tokens``, ``temperature``, ``top_p``)."""
    response_model: str | None = None
    response_id: str | None = None
    finish_reasons: list[str] = field(default_factory=list)
    first_chunk_ns: int | None = None
    """Wall-clock time of the first upstream stream event (time to first chunk)."""

    def deny(self, status: int, verdict: str, reason: str, code: str | None = None) -> None:
        self.status, self.verdict, self.reason = status, verdict, reason
        self.error_type = code or str(status)

    def add_response_meta(self, meta: tuple[str | None, str | None, list[str]]) -> None:
        """Model, id and finish reasons read from a response body or a stream event."""
        model, response_id, reasons = meta
        if model:
            self.response_model = model
        if response_id:
            self.response_id = response_id
        self.finish_reasons.extend(reasons)

    def set_content(self, texts: list[str], keep: bool) -> None:
        blob = json.dumps(texts, ensure_ascii=False)
        self.content_sha256 = hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()
        self.content = blob if keep else None

    def add_usage(self, usage: tuple[int | None, int | None]) -> None:
        if usage[0] is not None:
            self.tokens_in = usage[0]
        if usage[1] is not None:
            self.tokens_out = usage[1]

    def event(self) -> GuardEvent:
        return GuardEvent(
            ts=self.ts,
            request_id=self.request_id,
            api=self.api,
            path=self.path,
            status=self.status,
            verdict=self.verdict,
            latency_ms=round((time.perf_counter() - self.started) * 1000, 3),
            key_name=self.key_name,
            caller=self.caller,
            route=self.route,
            provider=self.provider,
            upstream_url=self.upstream_url,
            model=self.model,
            stream=self.stream,
            reason=self.reason,
            tokens_in=self.tokens_in,
            tokens_out=self.tokens_out,
            detections=[h.to_json() for h in self.hits],
            content_sha256=self.content_sha256,
            content=self.content,
        )

    def overhead(self) -> float:
        return max(time.perf_counter() - self.started - self.upstream_seconds, 0.0)

    def json_fields(self) -> dict[str, Any]:
        return {"request_id": self.request_id, "verdict": self.verdict}
