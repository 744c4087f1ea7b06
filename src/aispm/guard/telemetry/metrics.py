"""Prometheus metrics of the gateway.  With several uvicorn workers, ``PROMETHEUS_MULTIPROC_DIR``
is set by ``aispm guard`` and ``/metrics`` aggregates every worker."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "aispm_guard_requests_total", "Requests through the gateway.", ["api", "provider", "model", "verdict"]
)
BLOCKS = Counter("aispm_guard_blocks_total", "Requests blocked or cut, by detector.", ["stage", "detector"])
DETECTIONS = Counter(
    "aispm_guard_detections_total", "Detections acted on, by detector and action.", ["detector", "action"]
)
TOKENS = Counter("aispm_guard_tokens_total", "Tokens reported by upstreams.", ["direction", "model"])
LATENCY = Histogram(
    "aispm_guard_request_seconds",
    "Gateway request latency (until the last byte).",
    ["api", "stream"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
OVERHEAD = Histogram(
    "aispm_guard_overhead_seconds",
    "Time the gateway itself spent on a request (auth, policy, detectors), upstream time excluded.",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
)
EXPORT_DROPS = Counter(
    "aispm_guard_export_dropped_total", "Events dropped by a full exporter queue.", ["exporter"]
)


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
