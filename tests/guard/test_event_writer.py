"""The batching event writer: order, bounded queue, nothing lost on close."""

from __future__ import annotations

import threading
from pathlib import Path

from aispm.guard.config import TelemetryConfig
from aispm.guard.store import GuardEvent, GuardStore
from aispm.guard.telemetry.exporters import Exporters
from aispm.guard.telemetry.worker import BatchWorker


def _event(i: int) -> GuardEvent:
    return GuardEvent(
        ts=f"2026-01-01T00:00:{i % 60:02d}.000+00:00",
        request_id=f"r{i}",
        api="openai",
        path="/v1/chat/completions",
        status=200,
        verdict="allow" if i % 3 else "flag",
        latency_ms=1.5,
        key_name="k",
        detections=[{"stage": "input", "detector": "pii", "type": "email", "score": 0.9, "action": "flag"}]
        if i % 3 == 0
        else [],
    )


def test_linger_groups_items_into_few_batches_in_order() -> None:
    batches: list[list[int]] = []
    worker = BatchWorker[int]("t", batches.append, batch_size=50, linger_seconds=0.5)
    for i in range(120):
        worker.put(i)
    worker.close()
    assert [i for b in batches for i in b] == list(range(120))
    assert max(len(b) for b in batches) <= 50
    assert len(batches) <= 4  # 120 items put within the linger: batches of 50, 50, 20 (maybe one split)


def test_close_handles_everything_queued_even_while_lingering() -> None:
    seen: list[int] = []
    worker = BatchWorker[int]("t", seen.extend, batch_size=1000, linger_seconds=30)
    for i in range(10):
        worker.put(i)
    worker.close(timeout=5)  # must not wait for the 30 s linger
    assert seen == list(range(10))


def test_full_queue_drops_and_counts_without_blocking() -> None:
    release = threading.Event()
    handled: list[int] = []

    def slow(batch: list[int]) -> None:
        release.wait(5)
        handled.extend(batch)

    worker = BatchWorker[int]("t", slow, max_queue=5, batch_size=1)
    worker.put(0)  # taken by the worker, which then waits in ``slow``
    for _ in range(100):
        if worker._queue.empty():
            break
        threading.Event().wait(0.01)
    for i in range(1, 11):
        worker.put(i)  # 5 fit in the queue, 5 are dropped
    assert worker.dropped == 5
    release.set()
    worker.close()
    assert handled == [0, 1, 2, 3, 4, 5]


def test_store_exporter_persists_every_event_in_order_on_close(tmp_path: Path) -> None:
    store = GuardStore(str(tmp_path / "g.db"))
    exporters = Exporters(TelemetryConfig(store=True), store)
    for i in range(450):
        exporters.emit(_event(i))
    exporters.close()
    saved = store.events(limit=10_000)
    assert [e.request_id for e in saved] == [f"r{i}" for i in range(450)]
    assert saved[0].detections == _event(0).detections and saved[1].detections == []
    assert [e.id for e in saved] == sorted(e.id for e in saved if e.id is not None)
    store.close()
