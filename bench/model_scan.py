"""Benchmark aispm's model scanner against modelscan, picklescan, fickling and modelaudit.

Every tool runs on the same corpus (``bench/model_corpus.py``): per file, for its verdict
(malicious = the tool flags the file), and once over the whole corpus folder for wall time
(fickling has no folder mode: its time is the sum of its per-file runs).  Each peer is installed
in its own venv under ``bench/.peers-venv/<tool>`` (``pip install <tool>==<version>``); a missing
one is reported as not run.  Results: printed table and ``bench/out/model_scan.json``.

    .venv/bin/python bench/model_scan.py                  # the large corpus (default)
    .venv/bin/python bench/model_scan.py --small          # the 30 small files only
    .venv/bin/python bench/model_scan.py --only aispm --only picklescan
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model_corpus import OUT, OUT_LARGE, build

BENCH = Path(__file__).resolve().parent
PEERS = BENCH / ".peers-venv"
AISPM = Path(sys.executable).parent / "aispm"
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


AISPM_JSON = BENCH / "out" / "model_scan_aispm_file.json"


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


def _run(cmd: list[str]) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    return proc, time.perf_counter() - start


def ensure_peer(name: str) -> None:
    """Create ``bench/.peers-venv/<name>`` with the pinned version unless it exists."""
    venv = PEERS / name
    if name not in PINS or (venv / "bin" / "python").exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *PINS[name].split()], check=False)


def bench_tool(tool: Tool, files: dict[str, list[Path]]) -> dict[str, object]:
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
    wall = per_file_time
    if tool.dir_cmd is not None:
        _, wall = _run(tool.dir_cmd(CORPUS))
    missed = sorted(k for k, v in verdicts.items() if k.startswith("malicious/") and not v)
    false_pos = sorted(k for k, v in verdicts.items() if k.startswith("benign/") and v)
    return {
        "tool": tool.name,
        "status": "ran",
        "detected": len(files["malicious"]) - len(missed),
        "malicious": len(files["malicious"]),
        "false_positives": len(false_pos),
        "benign": len(files["benign"]),
        "wall_seconds_corpus": round(wall, 3),
        "wall_mode": "one run over the folder" if tool.dir_cmd else "sum of per-file runs",
        "missed": missed,
        "false_positive_files": false_pos,
    }


def main() -> None:
    global CORPUS, RESULT
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--small", action="store_true", help="the 30 small files only (mostly start-up)")
    parser.add_argument("--only", action="append", choices=[t.name for t in TOOLS], help="run only TOOL")
    args = parser.parse_args()
    CORPUS = OUT if args.small else OUT_LARGE
    if args.small:
        RESULT = RESULT.with_name("model_scan_small.json")
    files = build(CORPUS, small=args.small)
    rows = [bench_tool(tool, files) for tool in TOOLS if not args.only or tool.name in args.only]
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
    print(f"details: {RESULT}")


if __name__ == "__main__":
    main()
