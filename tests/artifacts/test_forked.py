"""``ordered_map``: a list mapped on this process and a forked helper, in order, losing nothing.

Each case runs in a fresh interpreter (``fork`` copies only the calling thread, so the helper is
only made by a process with one thread; a test runner may have more)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from aispm.artifacts import forked

SCRIPT = """
import json, os, sys, threading, time
from aispm.artifacts.forked import ordered_map

mode, count = sys.argv[1], int(sys.argv[2])
parent = os.getpid()

def work(item):
    time.sleep(0.002)
    if mode == "crash" and os.getpid() != parent and item % 3 == 0:
        os._exit(7)  # the helper dies in the middle of its share
    if mode == "raise" and item == 25:
        raise ValueError(f"bad item {item}")
    return [item, os.getpid()]

if mode == "nofork":
    def refuse():
        raise BlockingIOError(11, "Resource temporarily unavailable")
    os.fork = refuse
if mode == "thread":
    stop = threading.Event()
    threading.Thread(target=stop.wait).start()
out = {"parent": parent, "meanwhile": []}

def meanwhile():
    out["meanwhile"].append(os.getpid())
    time.sleep(0.05)  # the helper scans meanwhile

try:
    given = meanwhile if mode == "meanwhile" else None
    out["results"] = list(ordered_map(work, list(range(count)), meanwhile=given))
except ValueError as exc:
    out["error"] = str(exc)
if mode == "thread":
    stop.set()
try:
    os.waitpid(-1, os.WNOHANG)
    out["children_left"] = True
except ChildProcessError:
    out["children_left"] = False
print(json.dumps(out))
"""


def _run(mode: str, count: int) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode, str(count)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    assert data["children_left"] is False
    return data


def _pids(data: dict[str, Any]) -> set[int]:
    return {pid for _, pid in data["results"]}


def test_results_come_in_order_and_both_processes_work() -> None:
    data = _run("normal", 80)
    assert [item for item, _ in data["results"]] == list(range(80))
    if (os.cpu_count() or 1) > 1 and sys.platform == "linux":
        assert len(_pids(data)) == 2 and data["parent"] in _pids(data)
    else:
        assert _pids(data) == {data["parent"]}


def test_what_a_dead_helper_did_not_deliver_is_done_here() -> None:
    data = _run("crash", 80)
    assert [item for item, _ in data["results"]] == list(range(80))
    for item, pid in data["results"]:
        if item % 3 == 0:
            assert pid == data["parent"]


def test_an_error_is_raised_here_as_without_the_helper() -> None:
    data = _run("raise", 80)
    assert data["error"] == "bad item 25" and "results" not in data


@pytest.mark.parametrize(
    ("mode", "count"), [("normal", forked.MIN_ITEMS - 1), ("thread", 80), ("nofork", 80)]
)
def test_few_items_running_threads_or_a_refused_fork_stay_in_this_process(mode: str, count: int) -> None:
    data = _run(mode, count)
    assert [item for item, _ in data["results"]] == list(range(count))
    assert _pids(data) == {data["parent"]}


def test_runs_cover_every_item_once_with_a_bounded_queue() -> None:
    for count in (1, 2, 1023, 1024, 1025, 5000, 100_000):
        runs = forked._runs(count)
        assert len(runs) <= forked._QUEUE_MAX
        assert [i for run in runs for i in run] == list(range(count))


@pytest.mark.parametrize("count", [80, forked.MIN_ITEMS - 1])
def test_meanwhile_runs_once_here_while_the_helper_works(count: int) -> None:
    data = _run("meanwhile", count)
    assert data["meanwhile"] == [data["parent"]]
    assert [item for item, _ in data["results"]] == list(range(count))
    helper_items = [item for item, pid in data["results"] if pid != data["parent"]]
    if count >= forked.MIN_ITEMS and (os.cpu_count() or 1) > 1 and sys.platform == "linux":
        assert len(helper_items) >= 20  # 50 ms of meanwhile, 2 ms an item: the helper went ahead
    else:
        assert helper_items == []
