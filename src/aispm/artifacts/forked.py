"""A function over a list on two processes: this one and one forked helper.

``aispm model scan --no-hash`` is bound by the parser, one file after the other, on one core.
:func:`ordered_map` shares the files with a helper process made by ``fork`` (so it starts in about
a millisecond, with every module already imported, instead of the ~0.1 s of a new interpreter):

- The work queue is a pipe holding the item numbers, four bytes each, all written before the fork.
  A read of four bytes from a pipe is atomic, so each number is taken by exactly one process and
  the faster process simply takes more.
- The helper appends each result, as soon as it has it, to an anonymous in-memory file
  (``memfd_create``), so it never waits for this process; this process takes in what has arrived
  between its own items, and the rest once the helper has exited.  The results are this program's
  own values (a model file's bytes are only ever *parsed* by the helper, as here), sent with
  :mod:`pickle` through a file only the two processes can reach, each record length-prefixed so a
  record cut short (the helper died while writing it) is recognised and dropped.
- Results are yielded in the order of the items.  Whatever the helper did not deliver (it died,
  was killed, or ``fn`` raised there) is done again here, so nothing is lost and an exception is
  raised from this process as it would be without the helper.

Only on Linux, and only when the caller has no threads running (``fork`` copies one thread); on
other systems, or for fewer than :data:`MIN_ITEMS` items, the items are mapped here in order.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")

MIN_ITEMS = 16
"""Fewer items are not worth a second process."""
_NUMBER = 4
"""Bytes per item number in the queue."""
_QUEUE_MAX = 1024
"""At most this many numbers (4 KiB, the smallest pipe buffer Linux gives) are queued: more items
are queued in runs of consecutive ones."""
_LENGTH = 8
"""Bytes of the length prefix of a result record."""


def ordered_map(
    fn: Callable[[_T], _R],
    items: Sequence[_T],
    *,
    share: bool = True,
    min_items: int = MIN_ITEMS,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[_R]:
    """``fn(item)`` for every item, in order; on two processes when ``share`` is set and that can
    help (see the module docstring).  ``meanwhile`` is called once in this process before it maps
    any item: with a helper, that is while the helper already works (work this process must do
    anyway, such as importing what comes after the mapping, then costs no time of its own)."""
    if not share or len(items) < min_items or not _can_fork():
        if meanwhile is not None:
            meanwhile()
        for item in items:
            yield fn(item)
        return
    yield from _two_processes(fn, items, meanwhile)


def _can_fork() -> bool:
    import threading

    return (
        sys.platform == "linux"
        and hasattr(os, "memfd_create")
        and (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
    )


def _runs(count: int) -> list[range]:
    """``range(count)`` cut into at most :data:`_QUEUE_MAX` runs of consecutive numbers."""
    size = -(-count // _QUEUE_MAX)
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def _two_processes(
    fn: Callable[[_T], _R], items: Sequence[_T], meanwhile: Callable[[], object] | None
) -> Iterator[_R]:
    runs = _runs(len(items))
    read_end, write_end = os.pipe()
    results_fd = os.memfd_create("aispm-results", os.MFD_CLOEXEC)
    try:
        os.write(write_end, b"".join(n.to_bytes(_NUMBER, "little") for n in range(len(runs))))
        os.close(write_end)
        write_end = -1
        inbox = _Inbox(results_fd)  # imports pickle once, for both processes
        pid = _fork()
        if pid == 0:  # the helper: take runs until the queue is empty
            _helper(fn, items, runs, read_end, results_fd)
        done: dict[int, Any] = {}
        try:
            if meanwhile is not None:
                meanwhile()
            for run in _claims(read_end, runs):
                for index in run:
                    done[index] = fn(items[index])
                done.update(inbox.receive())
        except BaseException:  # leaving (an error of fn, Ctrl-C): the helper's work is not wanted
            if pid > 0:
                _stop(pid)
            raise
        if pid > 0:
            os.waitpid(pid, 0)  # however it ended, every complete record it wrote is good
            done.update(inbox.receive())
    finally:
        for fd in (read_end, write_end, results_fd):
            if fd >= 0:
                os.close(fd)
    for index, item in enumerate(items):
        yield done.pop(index) if index in done else fn(item)  # fn here: the helper did not deliver it


def _fork() -> int:
    """``os.fork()``; -1 when the system refuses (too many processes, no memory): this process
    then takes every item from the queue itself."""
    try:
        return os.fork()
    except OSError:
        return -1


def _claims(queue: int, runs: list[range]) -> Iterator[range]:
    while len(number := os.read(queue, _NUMBER)) == _NUMBER:
        yield runs[int.from_bytes(number, "little")]


def _helper(fn: Callable[[_T], _R], items: Sequence[_T], runs: list[range], queue: int, out: int) -> None:
    """The forked process: never returns, never runs the parent's clean-up or exit handlers."""
    try:
        import pickle

        for run in _claims(queue, runs):
            for index in run:
                record = pickle.dumps((index, fn(items[index])), protocol=pickle.HIGHEST_PROTOCOL)
                data = memoryview(len(record).to_bytes(_LENGTH, "little") + record)
                while data:
                    data = data[os.write(out, data) :]
    finally:
        os._exit(0)  # an error of fn: the parent does the rest of the items and raises it


def _stop(pid: int) -> None:
    import signal

    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


class _Inbox:
    """The helper's results, read from its record file as far as complete records go."""

    def __init__(self, fd: int) -> None:
        import pickle

        self._fd = fd
        self._offset = 0
        self._loads = pickle.loads

    def receive(self) -> dict[int, Any]:
        available = os.fstat(self._fd).st_size - self._offset
        if available < _LENGTH:
            return {}
        data = os.pread(self._fd, available, self._offset)
        found: dict[int, Any] = {}
        start = 0
        while start + _LENGTH <= len(data):
            end = start + _LENGTH + int.from_bytes(data[start : start + _LENGTH], "little")
            if end > len(data):
                break  # still being written (or cut short by the helper's death)
            index, result = self._loads(data[start + _LENGTH : end])
            found[index] = result
            start = end
        self._offset += start
        return found
