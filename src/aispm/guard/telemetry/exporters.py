"""Fan-out of finished request events to the configured sinks, each on its own bounded worker."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import httpx

from aispm.guard.config import TelemetryConfig, WebhookConfig
from aispm.guard.store import GuardEvent, GuardStore
from aispm.guard.telemetry import metrics, ocsf
from aispm.guard.telemetry.cef import SyslogSender
from aispm.guard.telemetry.worker import BatchWorker

STORE_LINGER_SECONDS = 0.05
"""How long the store writer waits after an event for more to write in the same transaction."""


class OcsfFile:
    """Appends OCSF JSON lines to a file (one writer per process; lines are written whole)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def write(self, events: list[GuardEvent]) -> None:
        lines = "".join(json.dumps(r, separators=(",", ":")) + "\n" for e in events for r in ocsf.records(e))
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(lines)


class Webhook:
    """POSTs ``{"events": [OCSF records ...]}`` batches to a URL."""

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        self._client = httpx.Client(timeout=10, headers=config.headers)

    def send(self, events: list[GuardEvent]) -> None:
        body = {"events": [r for e in events for r in ocsf.records(e)]}
        self._client.post(self.config.url, json=body).raise_for_status()


class Exporters:
    """Every sink of a config; :meth:`emit` queues an event for each, never blocking."""

    def __init__(self, config: TelemetryConfig, store: GuardStore | None) -> None:
        self.workers: list[BatchWorker[GuardEvent]] = []
        if store is not None and config.store:
            # one transaction per batch: waiting a little for more events saves a commit per request
            self.workers.append(
                BatchWorker("store", store.add_events, batch_size=200, linger_seconds=STORE_LINGER_SECONDS)
            )
        if config.ocsf_file:
            self.workers.append(BatchWorker("ocsf", OcsfFile(config.ocsf_file).write))
        if config.webhook:
            hook = config.webhook
            self.workers.append(
                BatchWorker(
                    "webhook",
                    Webhook(hook).send,
                    max_queue=hook.max_queue,
                    batch_size=hook.batch_size,
                    flush_seconds=hook.flush_seconds,
                )
            )
        if config.syslog:
            self.workers.append(BatchWorker("syslog", SyslogSender(config.syslog).send))
        self._dropped: dict[str, int] = {}

    def emit(self, event: GuardEvent) -> None:
        for worker in self.workers:
            worker.put(event)
            if worker.dropped != self._dropped.get(worker.name, 0):
                metrics.EXPORT_DROPS.labels(worker.name).inc(
                    worker.dropped - self._dropped.get(worker.name, 0)
                )
                self._dropped[worker.name] = worker.dropped

    def close(self) -> None:
        for worker in self.workers:
            worker.close()

    def stats(self) -> dict[str, Any]:
        return {w.name: {"dropped": w.dropped, "failed": w.failed} for w in self.workers}
