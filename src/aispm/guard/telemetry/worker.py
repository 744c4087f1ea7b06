"""A background thread that drains a bounded queue in batches, so exporters never slow requests."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger("aispm.guard")


class BatchWorker(Generic[T]):
    """Calls ``handle(batch)`` from its own thread with up to ``batch_size`` items at a time.

    :meth:`put` never blocks: when the queue is full the item is dropped and counted in
    :attr:`dropped`.  A failing ``handle`` is logged (type only) and the batch is dropped.
    Items are handled in the order they were put.  With ``linger_seconds`` a batch waits that
    long after its first item for more (up to ``batch_size``), so a steady trickle is written in
    a few large batches rather than one call per item.  :meth:`close` handles every queued item.
    """

    def __init__(
        self,
        name: str,
        handle: Callable[[list[T]], None],
        *,
        max_queue: int = 10_000,
        batch_size: int = 100,
        flush_seconds: float = 0.2,
        linger_seconds: float = 0.0,
    ) -> None:
        self.name = name
        self._handle = handle
        self._queue: queue.Queue[T | None] = queue.Queue(maxsize=max_queue)
        self._batch_size = batch_size
        self._flush = flush_seconds
        self._linger = linger_seconds
        self.dropped = 0
        self.failed = 0
        self._thread = threading.Thread(target=self._run, name=f"aispm-guard-{name}", daemon=True)
        self._thread.start()

    def put(self, item: T) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1

    def close(self, timeout: float = 5.0) -> None:
        """Drain what is queued, then stop."""
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)

    def _run(self) -> None:
        stop = False
        while not stop:
            batch: list[T] = []
            try:
                item = self._queue.get(timeout=self._flush)
            except queue.Empty:
                continue
            if item is None:
                stop = True
            else:
                batch.append(item)
            deadline = time.monotonic() + self._linger
            while len(batch) < self._batch_size and not stop:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    try:
                        item = self._queue.get(timeout=left)
                    except queue.Empty:
                        break
                if item is None:
                    stop = True
                else:
                    batch.append(item)
            if batch:
                try:
                    self._handle(batch)
                except Exception as exc:
                    self.failed += len(batch)
                    log.warning("guard exporter %s failed: %s", self.name, type(exc).__name__)
