"""Benchmark aispm's model scanner against modelscan, picklescan, fickling and modelaudit.

Every tool runs on the same corpus (``bench/model_corpus.py``): per file, for its verdict
(malicious = the tool flags the file), then over the whole corpus folder for wall time, ``--repeat``
times (3 by default) alternating between the tools, in a new shuffled order each round (so no run
always follows the same other one: a first run that writes its cache, or the hash floor that uses
both cores, would otherwise always slow the run after it), and the median is reported (fickling has no
folder mode: its time is the sum of its per-file runs).  aispm's folder runs are timed four ways,
reported separately: ``--no-cache`` (every file hashed; the cold figure), with its hash cache
filled by an earlier run over the unchanged files (warm), as a first run with an empty cache
directory (nothing compiled or cached yet) and with ``--no-hash`` (verdicts only: the work the
peers do).  Beside them, ``bench/hash_floor.py`` times reading and hashing every byte of the corpus
on one thread per core and nothing else: the floor under any cold run that hashes.  Each peer is
installed in its own venv under ``bench/.peers-venv/<tool>`` (``pip install <tool>==<version>``); a
missing one is reported as not run.  Results: printed table and ``bench/out/model_scan.json``.

Like the peers' pip-installed packages, aispm runs with its bytecode compiled (``compileall``
first, and ``PYTHONDONTWRITEBYTECODE`` is not passed on): an environment that disables bytecode
caching would otherwise time the compilation of aispm's sources on every run.

    .venv/bin/python bench/model_scan.py                  # the large corpus (default)
    .venv/bin/python bench/model_scan.py --small          # the 30 small files only
    .venv/bin/python bench/model_scan.py --only aispm --only picklescan --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model_corpus import OUT, OUT_LARGE, build

BENCH = Path(__file__).resolve().parent
PEERS = BENCH / ".peers-venv"
AISPM = Path(sys.executable).parent / "aispm"
AISPM_CACHE = BENCH / "out" / "aispm-cache"
"""aispm's cache directory in the benchmark (``AISPM_CACHE_DIR``), so the user's is left alone."""
RESULT = BENCH / "out" / "model_scan.json"
CORPUS = OUT_LARGE
"""The corpus folder being scanned (``OUT`` with ``--small``)."""
TIMEOUT = 300
PINS = {
    "modelscan": "modelscan==0.8.8",
    "picklescan": "picklescan==1.0.5 numpy",  # without NumPy its folder scan stops at the first .npy
    "fickling": "fickling==0.1.12",
    "modelaudit": "modelaudit==0.2.54",
}
"""The peer versions compared (each in its own venv: their dependencies conflict)."""


@dataclass(frozen=True)
class Tool:
    name: str
    file_cmd: Callable[[Path], list[str]]
    """Command scanning one file."""
    flagged: Callable[[subprocess.CompletedProcess[str]], bool]
    """Whether a per-file run flagged the file."""
    dir_cmd: Callable[[Path], list[str]] | None = None


def _bin(tool: str, exe: str) -> str:
    return str(PEERS / tool / "bin" / exe)


AISPM_JSON = Path(tempfile.gettempdir()) / f"aispm-bench-file-{os.getpid()}.json"
"""aispm's report of the file just scanned (one per bench process: two benches may run at once)."""


def _aispm_malicious() -> bool:
    """The scanner's verdict (``malicious``) of the file aispm just scanned.  Not ``--fail-on``:
    that would also count AISPM-SUP-001 (any pickle-based file is a high finding)."""
    report = json.loads(AISPM_JSON.read_text())
    return any(
        a["properties"].get("scan", {}).get("verdict") == "malicious"
        for a in report["assets"]
        if a["kind"] == "model_artifact"
    )


def _exit_nonzero_not_error(proc: subprocess.CompletedProcess[str]) -> bool:
    return proc.returncode == 1


TOOLS = [
    Tool(
        "aispm",
        lambda f: [
            str(AISPM),
            "model",
            "scan",
            str(f),
            "--no-store",
            "-q",
            "-f",
            "json",
            "-o",
            str(AISPM_JSON),
        ],
        lambda _proc: _aispm_malicious(),
        lambda d: [str(AISPM), "model", "scan", str(d), "--no-store", "-q"],
    ),
    Tool(
        "modelscan",
        lambda f: [_bin("modelscan", "modelscan"), "-p", str(f)],
        _exit_nonzero_not_error,
        lambda d: [_bin("modelscan", "modelscan"), "-p", str(d)],
    ),
    Tool(
        "picklescan",
        lambda f: [_bin("picklescan", "picklescan"), "-p", str(f)],
        _exit_nonzero_not_error,
        lambda d: [_bin("picklescan", "picklescan"), "-p", str(d)],
    ),
    Tool(
        "fickling",
        lambda f: [_bin("fickling", "fickling"), "--check-safety", str(f)],
        lambda p: p.returncode != 0,
    ),
    Tool(
        "modelaudit",
        lambda f: [_bin("modelaudit", "modelaudit"), "scan", str(f)],
        _exit_nonzero_not_error,
        lambda d: [_bin("modelaudit", "modelaudit"), "scan", str(d)],
    ),
]


def _env(cache_dir: Path = AISPM_CACHE) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["AISPM_CACHE_DIR"] = str(cache_dir)
    return env


def _run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False, env=env or _env()
    )
    return proc, time.perf_counter() - start


def compile_aispm() -> None:
    """Compile aispm's modules to bytecode, as installing a wheel does."""
    code = "import aispm, compileall, pathlib; compileall.compile_dir(pathlib.Path(aispm.__file__).parent)"
    subprocess.run([sys.executable, "-c", code], check=True, env=_env(), stdout=subprocess.DEVNULL)


def ensure_peer(name: str) -> None:
    """Create ``bench/.peers-venv/<name>`` with the pinned version unless it exists."""
    venv = PEERS / name
    if name not in PINS or (venv / "bin" / "python").exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *PINS[name].split()], check=False)


def bench_tool(tool: Tool, files: dict[str, list[Path]]) -> dict[str, object]:
    """The tool's verdict on every file (one run per file)."""
    ensure_peer(tool.name)
    if not Path(tool.file_cmd(CORPUS)[0]).exists():
        return {"tool": tool.name, "status": "not installed"}
    verdicts: dict[str, bool] = {}
    per_file_time = 0.0
    for label in ("malicious", "benign"):
        for path in files[label]:
            proc, seconds = _run(tool.file_cmd(path))
            per_file_time += seconds
            verdicts[f"{label}/{path.name}"] = tool.flagged(proc)
    missed = sorted(k for k, v in verdicts.items() if k.startswith("malicious/") and not v)
    false_pos = sorted(k for k, v in verdicts.items() if k.startswith("benign/") and v)
    return {
        "tool": tool.name,
        "status": "ran",
        "detected": len(files["malicious"]) - len(missed),
        "malicious": len(files["malicious"]),
        "false_positives": len(false_pos),
        "benign": len(files["benign"]),
        "wall_seconds_corpus": round(per_file_time, 3),
        "wall_mode": "sum of per-file runs",
        "missed": missed,
        "false_positive_files": false_pos,
    }


@dataclass(frozen=True)
class Timed:
    """One folder run timed in the alternation: a tool, or one way of running aispm."""

    key: str
    cmd: list[str]
    fresh_cache: bool = False
    """Run with an empty aispm cache directory (a first run)."""


def timed_runs(rows: list[dict[str, object]], repeat: int) -> None:
    """Time the folder runs, ``repeat`` rounds alternating between them (shuffled), and put the median (and
    every run) into ``rows``."""
    timed: list[Timed] = []
    for row in rows:
        tool = next(t for t in TOOLS if t.name == row["tool"])
        if row["status"] != "ran" or tool.dir_cmd is None:
            continue
        cmd = tool.dir_cmd(CORPUS)
        if tool.name == "aispm":
            timed += [
                Timed("aispm", [*cmd, "--no-cache"]),
                Timed("aispm:warm", cmd),
                Timed("aispm:first", cmd, fresh_cache=True),
                Timed("aispm:nohash", [*cmd, "--no-hash"]),
                Timed("aispm:hashfloor", [sys.executable, str(BENCH / "hash_floor.py"), str(CORPUS)]),
            ]
            _run(cmd)  # fill the hash cache for the warm runs (the corpus is not rewritten meanwhile)
        else:
            timed.append(Timed(tool.name, cmd))
    seconds: dict[str, list[float]] = {t.key: [] for t in timed}
    order = random.Random(0)  # the same orders on every machine
    for _ in range(repeat):
        for item in order.sample(timed, len(timed)):
            if item.fresh_cache:
                with tempfile.TemporaryDirectory(prefix="aispm-bench-cache-") as empty:
                    _, wall = _run(item.cmd, _env(Path(empty)))
            else:
                _, wall = _run(item.cmd)
            seconds[item.key].append(round(wall, 3))
    by_tool = {str(row["tool"]): row for row in rows}
    for key, runs in seconds.items():
        tool, _, variant = key.partition(":")
        row = by_tool[tool]
        field = "wall_seconds_corpus" if not variant else f"wall_seconds_{variant}"
        row[field] = round(statistics.median(runs), 3)
        row[f"{field}_runs"] = runs
        if not variant:
            row["wall_mode"] = f"one run over the folder, median of {repeat} (alternating, shuffled)"
            if tool == "aispm":
                row["wall_mode"] += "; --no-cache (every file hashed)"


def main() -> None:
    global CORPUS, RESULT
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--small", action="store_true", help="the 30 small files only (mostly start-up)")
    parser.add_argument("--only", action="append", choices=[t.name for t in TOOLS], help="run only TOOL")
    parser.add_argument("--repeat", type=int, default=3, help="folder runs per tool (median; default 3)")
    args = parser.parse_args()
    CORPUS = OUT if args.small else OUT_LARGE
    if args.small:
        RESULT = RESULT.with_name("model_scan_small.json")
    files = build(CORPUS, small=args.small)
    compile_aispm()
    shutil.rmtree(AISPM_CACHE, ignore_errors=True)
    try:
        rows = [bench_tool(tool, files) for tool in TOOLS if not args.only or tool.name in args.only]
    finally:
        AISPM_JSON.unlink(missing_ok=True)
    timed_runs(rows, max(args.repeat, 1))
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps({"corpus": str(CORPUS), "results": rows}, indent=2) + "\n")
    print(f"{'tool':<12} {'detected':>10} {'false pos':>10} {'wall s':>8}  mode")
    for row in rows:
        if row["status"] != "ran":
            print(f"{row['tool']:<12} {row['status']}")
            continue
        print(
            f"{row['tool']:<12} {row['detected']:>4}/{row['malicious']:<5} {row['false_positives']:>4}/"
            f"{row['benign']:<5} {row['wall_seconds_corpus']:>8}  {row['wall_mode']}"
        )
        if row["tool"] == "aispm":
            pad = " " * 35
            print(f"{pad}{row['wall_seconds_warm']:>8}  aispm, hash cache filled (warm)")
            print(f"{pad}{row['wall_seconds_first']:>8}  aispm, empty cache directory (first run)")
            print(f"{pad}{row['wall_seconds_nohash']:>8}  aispm --no-hash (verdicts only, as the peers)")
            print(
                f"{pad}{row['wall_seconds_hashfloor']:>8}  sha256 of every byte alone (bench/hash_floor.py)"
            )
    print(f"details: {RESULT}")


if __name__ == "__main__":
    main()
