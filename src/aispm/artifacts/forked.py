"""A function over a list on two processes: this one and one forked helper.

``aispm model scan --no-hash`` is bound by the parser, one file after the other, on one core.
:func:`ordered_map` shares the files with a helper process made by ``fork`` (so it starts in about
a millisecond, with every module already imported, instead of the ~0.1 s of a new interpreter):

- The work queue is a pipe holding the item numbers, four bytes each, all written before the fork.
  A read of four bytes from a pipe is atomic, so each number is taken by exactly one process and
  the faster process simply takes more.
- The helper sends its results back in an anonymous in-memory file (``memfd_create``), so it never
  waits for this process to read them.  The results are this program's own values (a model file's
  bytes are only ever *parsed* by the helper, as here); they come back with :mod:`pickle` from a
  file only the two processes can reach.
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


def ordered_map(fn: Callable[[_T], _R], items: Sequence[_T], *, min_items: int = MIN_ITEMS) -> Iterator[_R]:
    """``fn(item)`` for every item, in order; on two processes when that can help (see the
    module docstring)."""
    if len(items) < min_items or not _can_fork():
        for item in items:
            yield fn(item)
        return
    yield from _two_processes(fn, items)


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


def _two_processes(fn: Callable[[_T], _R], items: Sequence[_T]) -> Iterator[_R]:
    runs = _runs(len(items))
    read_end, write_end = os.pipe()
    results_fd = os.memfd_create("aispm-results", os.MFD_CLOEXEC)
    try:
        os.write(write_end, b"".join(n.to_bytes(_NUMBER, "little") for n in range(len(runs))))
        os.close(write_end)
        write_end = -1
        pid = os.fork()
        if pid == 0:  # the helper: take runs until the queue is empty, then hand the results over
            _helper(fn, items, runs, read_end, results_fd)
        mine: dict[int, _R] = {}
        try:
            for run in _claims(read_end, runs):
                for index in run:
                    mine[index] = fn(items[index])
        except BaseException:  # leaving (an error of fn, Ctrl-C): the helper's work is not wanted
            _stop(pid)
            raise
        theirs: dict[int, _R] = _results(pid, results_fd)
    finally:
        for fd in (read_end, write_end, results_fd):
            if fd >= 0:
                os.close(fd)
    for index, item in enumerate(items):
        if index in mine:
            yield mine.pop(index)
        elif index in theirs:
            yield theirs.pop(index)
        else:  # the helper did not deliver it
            yield fn(item)


def _claims(queue: int, runs: list[range]) -> Iterator[range]:
    while len(number := os.read(queue, _NUMBER)) == _NUMBER:
        yield runs[int.from_bytes(number, "little")]


def _helper(fn: Callable[[_T], _R], items: Sequence[_T], runs: list[range], queue: int, out: int) -> None:
    """The forked process: never returns, never runs the parent's clean-up or exit handlers."""
    status = 1
    try:
        import pickle

        done: dict[int, _R] = {}
        try:
            for run in _claims(queue, runs):
                for index in run:
                    done[index] = fn(items[index])
        except Exception:
            pass  # deliver what was done; the parent does the rest and raises the same error
        data = memoryview(pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL))
        while data:
            data = data[os.write(out, data) :]
        status = 0
    finally:
        os._exit(status)


def _stop(pid: int) -> None:
    import signal

    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _results(pid: int, fd: int) -> dict[int, Any]:
    """The helper's results once it has exited cleanly; nothing when it did not."""
    import pickle  # before waiting: the helper may still be scanning its last item

    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return {}
    size = os.fstat(fd).st_size
    chunks = []
    offset = 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
    try:
        result = pickle.loads(b"".join(chunks))
    except Exception:
        return {}
    return result if isinstance(result, dict) else {}
