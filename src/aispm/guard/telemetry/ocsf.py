"""Gateway events as OCSF 1.x JSON: an *API Activity* (6003) per request and a *Detection Finding*
(2004) per blocked or flagged request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aispm import __version__
from aispm.guard.store import GuardEvent

OCSF_VERSION = "1.3.0"
_PRODUCT = {"name": "aispm guard", "vendor_name": "aispm", "version": __version__}
_SEVERITY = {"block": 4, "denied": 3, "redact": 3, "flag": 2, "error": 2, "allow": 1}
"""OCSF severity_id: 1 informational, 2 low, 3 medium, 4 high."""


def _ms(ts: str) -> int:
    return int(datetime.fromisoformat(ts).timestamp() * 1000)


def _common(event: GuardEvent) -> dict[str, Any]:
    return {
        "time": _ms(event.ts),
        "metadata": {"version": OCSF_VERSION, "product": _PRODUCT, "correlation_uid": event.request_id},
        "actor": {"user": {"name": event.key_name or "anonymous", "type_id": 99}},
        "src_endpoint": {"ip": event.caller} if event.caller else {},
        "dst_endpoint": {"url": {"url_string": event.upstream_url}} if event.upstream_url else {},
        "severity_id": _SEVERITY.get(event.verdict, 1),
    }


def api_activity(event: GuardEvent) -> dict[str, Any]:
    """The OCSF API Activity record of a request (activity 99 ``Other``: a model invocation)."""
    ok = event.status < 400
    record = {
        "class_uid": 6003,
        "class_name": "API Activity",
        "category_uid": 6,
        "category_name": "Application Activity",
        "activity_id": 99,
        "activity_name": "Invoke",
        "type_uid": 600399,
        **_common(event),
        "api": {
            "operation": event.path,
            "service": {"name": event.provider or event.api},
            "request": {"uid": event.request_id},
            "response": {"code": event.status},
        },
        "http_request": {"http_method": "POST", "url": {"path": event.path}},
        "status_id": 1 if ok else 2,
        "status": "Success" if ok else "Failure",
        "status_detail": event.reason,
        "duration": int(event.latency_ms),
        "unmapped": {
            "verdict": event.verdict,
            "model": event.model,
            "route": event.route,
            "stream": event.stream,
            "tokens_in": event.tokens_in,
            "tokens_out": event.tokens_out,
            "detections": event.detections,
            "content_sha256": event.content_sha256,
        },
    }
    return record


def detection_finding(event: GuardEvent) -> dict[str, Any] | None:
    """The OCSF Detection Finding of a blocked, redacted or flagged request (None for a clean one)."""
    if not event.detections:
        return None
    types = sorted({f"{d['detector']}:{d['type']}" for d in event.detections})
    return {
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200401,
        **_common(event),
        "finding_info": {
            "uid": event.request_id,
            "title": f"LLM request {event.verdict}: {', '.join(types)}",
            "types": types,
            "analytic": {"name": "aispm guard detectors", "type_id": 1},
        },
        "resources": [{"type": "model_endpoint", "uid": event.upstream_url, "name": event.model}],
        "disposition_id": 2 if event.verdict == "block" else 15,
        "action_id": 2 if event.verdict == "block" else 1,
        "status_id": 1,
        "unmapped": {"detections": event.detections, "verdict": event.verdict},
    }


def records(event: GuardEvent) -> list[dict[str, Any]]:
    """The OCSF records of one event: its API Activity and, when something was detected, a finding."""
    finding = detection_finding(event)
    return [api_activity(event)] + ([finding] if finding else [])
