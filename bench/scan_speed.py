"""Repository-scan benchmark: aispm against detect-secrets and checkov on one synthetic tree.

For each tool, run as a subprocess on the same tree, it measures wall time, files per second, peak
memory, and how many of the planted fake AI keys the tool reports (recall) against the flagged
locations that are not planted keys (decoys and anything else). The ground truth comes from
``gen_repo.py``. Results are printed as a plain-text table and written to
``bench/out/results.json``.

Usage::

    python bench/scan_speed.py                      # 20,000 files, every tool
    python bench/scan_speed.py --files 2000         # a quicker run
    python bench/scan_speed.py --skip-peers         # aispm only
    python bench/scan_speed.py --tree /some/repo    # an existing tree (speed only without ground truth)

The peers are installed on first use into their own venvs, ``bench/.peers-venv/detect-secrets``
(``detect-secrets==1.5.0``) and ``bench/.peers-venv/checkov`` (``checkov==3.3.30``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from gen_repo import GROUND_TRUTH, generate, load_manifest  # noqa: E402

PROJECT_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
PEERS_VENV = BENCH_DIR / ".peers-venv"
PEERS = {"detect-secrets": "detect-secrets==1.5.0", "checkov": "checkov==3.3.30"}
"""Peer tool -> the requirement installed for it, each in its own venv under PEERS_VENV.

Separate venvs matter: checkov depends on ``bc-detect-secrets``, a fork that installs the same
``detect_secrets`` package and would silently replace detect-secrets 1.5.0 in a shared venv.
"""
DEFAULT_AISPM = PROJECT_DIR / ".venv" / "bin" / "aispm"

LINE_TOLERANCE = 1
"""A reported line this close to the planted line counts as the same place."""
SAMPLE_INTERVAL = 0.2
"""Seconds between samples of the process tree's memory."""

# ---------------------------------------------------------------------------------------------
# Measuring one subprocess
# ---------------------------------------------------------------------------------------------


@dataclass
class RunStats:
    """What one run of a command cost."""

    returncode: int | None
    wall_s: float
    max_rss_mb: float
    """Peak resident memory of the largest single process (``wait4`` rusage, like ``time -v``)."""
    peak_tree_rss_mb: float
    """Peak of the summed resident memory of all processes of the run (sampled from /proc)."""
    timed_out: bool
    stderr_tail: str


def _session_rss_kb(sid: int) -> int:
    """Summed VmRSS (kB) of the processes in session ``sid``; 0 where /proc is unavailable."""
    total = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
            # Fields after the command name (which may hold spaces) start after the last ')'.
            fields = stat[stat.rindex(b")") + 2 :].split()
            if int(fields[3]) != sid:  # field 6 of stat: session id
                continue
            with open(f"/proc/{entry}/status", "rb") as fh:
                for line in fh:
                    if line.startswith(b"VmRSS:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError, IndexError):
            continue
    return total


def run_measured(argv: list[str], cwd: Path, stdout: Path, stderr: Path, timeout: float) -> RunStats:
    """Run ``argv`` in its own session, wait for it and measure time and memory."""
    with stdout.open("wb") as out, stderr.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, start_new_session=True)
        peak_tree = 0
        timed_out = False
        status = 0
        rusage = None
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            peak_tree = max(peak_tree, _session_rss_kb(proc.pid))
            if time.perf_counter() - start > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)  # the session this run started, nothing else
                _, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(SAMPLE_INTERVAL)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    max_rss_kb = rusage.ru_maxrss if rusage is not None else 0  # kilobytes on Linux
    tail = stderr.read_text(encoding="utf-8", errors="replace")[-2000:]
    return RunStats(
        returncode=None if timed_out else proc.returncode,
        wall_s=wall,
        max_rss_mb=max_rss_kb / 1024,
        peak_tree_rss_mb=max(peak_tree, max_rss_kb) / 1024,
        timed_out=timed_out,
        stderr_tail=tail,
    )


# ---------------------------------------------------------------------------------------------
# Tools and their output
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """One location a tool reported as a secret."""

    path: str
    line: int | None
    label: str


@dataclass
class Tool:
    """How to run one scanner and read what it reported."""

    name: str
    argv: list[str]
    cwd: Path
    parse: Callable[[Path, Path], list[Flag]]
    """(stdout file, work dir) -> flags; raises ValueError when the output is unusable."""
    ok_codes: tuple[int, ...] = (0, 1)
    version_argv: list[str] = field(default_factory=list)


def _normalize(path: str, tree: Path, cwd: Path) -> str:
    """A reported path as a ``/``-separated path relative to the tree.

    Accepts absolute paths inside the tree, paths relative to ``cwd`` (detect-secrets) and
    tree-rooted paths with a leading ``/`` (checkov).
    """
    candidate = Path(path)
    if not (candidate.is_absolute() and candidate.is_relative_to(tree)):
        candidate = cwd / path.lstrip("/")
    normalized = Path(os.path.normpath(candidate))
    if normalized.is_relative_to(tree):
        return normalized.relative_to(tree).as_posix()
    return path


def _walk_secret_assets(node: Any) -> Iterator[dict[str, Any]]:
    """Every ``{"kind": "secret", ...}`` object anywhere in an aispm JSON report."""
    if isinstance(node, dict):
        if node.get("kind") == "secret" and isinstance(node.get("properties"), dict):
            yield node
        for value in node.values():
            yield from _walk_secret_assets(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk_secret_assets(value)


def parse_aispm(report: Path, tree: Path) -> list[Flag]:
    """Secret assets of an aispm JSON report, one flag per location."""
    data = json.loads(report.read_text(encoding="utf-8"))
    flags = []
    for asset in _walk_secret_assets(data.get("assets", data)):
        props = asset["properties"]
        label = str(props.get("secret_type") or props.get("provider") or "secret")
        for loc in props.get("locations") or []:
            line = loc.get("line")
            flags.append(Flag(_normalize(str(loc["path"]), tree, tree), int(line) if line else None, label))
    return flags


def parse_detect_secrets(stdout: Path, tree: Path) -> list[Flag]:
    """``detect-secrets scan`` JSON (``results``: file -> list of secrets)."""
    data = json.loads(stdout.read_text(encoding="utf-8"))
    flags = []
    for filename, items in data["results"].items():
        for item in items:
            flags.append(Flag(_normalize(filename, tree, tree), item.get("line_number"), item["type"]))
    return flags


def parse_checkov(stdout: Path, tree: Path) -> list[Flag]:
    """``checkov -o json`` (one report object, or a list of them), failed checks of the secrets run."""
    text = stdout.read_text(encoding="utf-8").strip()
    if not text:
        raise ValueError("empty output")
    data = json.loads(text)
    reports = data if isinstance(data, list) else [data]
    flags = []
    for report in reports:
        if not isinstance(report, dict) or "results" not in report:
            continue  # e.g. the "no files scanned" summary object
        for check in report["results"].get("failed_checks", []):
            lines = check.get("file_line_range") or [None]
            flags.append(
                Flag(_normalize(check["file_path"], tree, tree), lines[0], check.get("check_name", "?"))
            )
    return flags


def build_tools(tree: Path, work: Path, aispm: Path, with_peers: bool) -> list[Tool]:
    """The runs of this benchmark, in order."""
    aispm_argv = [str(aispm), "scan", str(tree), "--db", str(work / "aispm.db")]
    aispm_argv += ["--format", "json", "-o", str(work / "aispm.json")]
    tools = [
        Tool(
            "aispm",
            aispm_argv,
            tree,
            lambda _stdout, _cwd: parse_aispm(work / "aispm.json", tree),
            # 1: findings at or above --fail-on; 3: finished, some files unreadable (warnings)
            ok_codes=(0, 1, 3),
            version_argv=[str(aispm), "--version"],
        )
    ]
    if with_peers:
        detect_secrets, checkov_bin = str(peer_bin("detect-secrets")), str(peer_bin("checkov"))
        checkov = [checkov_bin, "-d", str(tree), "--framework", "secrets", "-o", "json"]
        # --skip-download: no call to the vendor platform (there is no account, and it may be offline).
        checkov += ["--quiet", "--skip-download"]
        tools += [
            Tool(
                "detect-secrets",
                [detect_secrets, "scan", "--all-files", "."],
                tree,
                lambda stdout, _cwd: parse_detect_secrets(stdout, tree),
                ok_codes=(0,),
                version_argv=[detect_secrets, "--version"],
            ),
            Tool(
                "checkov",
                checkov,
                tree,
                lambda stdout, _cwd: parse_checkov(stdout, tree),
                version_argv=[checkov_bin, "--version"],
            ),
            Tool(
                "checkov --all-files",
                [*checkov, "--enable-secret-scan-all-files"],
                tree,
                lambda stdout, _cwd: parse_checkov(stdout, tree),
                version_argv=[checkov_bin, "--version"],
            ),
        ]
    return tools


def tool_version(argv: list[str]) -> str | None:
    """First line of ``--version`` output, or None."""
    if not argv or not Path(argv[0]).exists():
        return None
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else None


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------


@dataclass
class Score:
    """How one tool's flags compare with the ground truth."""

    flagged_locations: int = 0
    keys_total: int = 0
    keys_found: int = 0
    recall: float | None = None
    recall_by_provider: dict[str, list[int]] = field(default_factory=dict)
    """provider -> [found, total]"""
    decoys_total: int = 0
    decoys_flagged: int = 0
    other_flags: int = 0
    """Flagged locations that are neither a planted key nor a decoy."""
    precision: float | None = None


def score(flags: list[Flag], truth: dict[str, Any] | None) -> Score:
    """Match flags to planted keys and decoys by file and line (notebooks: by file)."""
    locations = {(f.path, f.line) for f in flags if f.path != GROUND_TRUTH}
    result = Score(flagged_locations=len(locations))
    if truth is None:
        return result
    keys: list[dict[str, Any]] = truth["keys"]
    decoys: list[dict[str, Any]] = truth["decoys"]
    by_path: dict[str, list[tuple[str, int, dict[str, Any]]]] = {}
    for key in keys:
        by_path.setdefault(key["path"], []).append(("key", key["line"], key))
    for decoy in decoys:
        by_path.setdefault(decoy["path"], []).append(("decoy", decoy["line"], decoy))
    found_keys: set[int] = set()
    flagged_decoys: set[int] = set()
    true_locations = 0
    for path, line in locations:
        matched = False
        for what, planted_line, item in by_path.get(path, []):
            near = line is None or path.endswith(".ipynb") or abs(line - planted_line) <= LINE_TOLERANCE
            if not near:
                continue
            matched = True
            if what == "key":
                found_keys.add(id(item))
                true_locations += 1
            else:
                flagged_decoys.add(id(item))
            break
        if not matched:
            result.other_flags += 1
    result.keys_total = len(keys)
    result.keys_found = len(found_keys)
    result.recall = len(found_keys) / len(keys) if keys else None
    for key in keys:
        entry = result.recall_by_provider.setdefault(key["provider"], [0, 0])
        entry[1] += 1
        entry[0] += id(key) in found_keys
    result.decoys_total = len(decoys)
    result.decoys_flagged = len(flagged_decoys)
    result.precision = true_locations / len(locations) if locations else None
    return result


# ---------------------------------------------------------------------------------------------
# Setup: the tree and the peers
# ---------------------------------------------------------------------------------------------


def count_files(tree: Path) -> int:
    """Regular files under ``tree`` (the ground-truth file excluded)."""
    return sum(1 for p in tree.rglob("*") if p.is_file() and p.name != GROUND_TRUTH)


def prepare_tree(
    tree: Path | None, files: int, seed: int, regenerate: bool
) -> tuple[Path, dict[str, Any] | None]:
    """The tree to scan and its ground truth (None for a tree this script did not generate)."""
    if tree is None:
        tree = OUT_DIR / f"tree-{files}-s{seed}"
    truth = load_manifest(tree) if tree.exists() else None
    if tree.exists() and truth is None and any(tree.iterdir()):
        print(f"{tree}: no {GROUND_TRUTH}; measuring speed only")
        return tree, None
    if truth is not None and not regenerate and truth.get("files") == files and truth.get("seed") == seed:
        print(f"reusing {tree} ({files} files, seed {seed})")
        return tree, truth
    if tree.exists():
        if truth is None:
            raise SystemExit(f"refusing to overwrite {tree}: not a generated tree")
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    start = time.perf_counter()
    manifest = generate(tree, files, seed)
    print(
        f"generated {tree}: {files} files, {manifest.bytes_total / 1e6:.1f} MB, "
        f"{len(manifest.keys)} keys, {len(manifest.decoys)} decoys in {time.perf_counter() - start:.1f}s"
    )
    return tree, load_manifest(tree)


def peer_bin(tool: str) -> Path:
    """The executable of a peer tool in its own venv."""
    return PEERS_VENV / tool / "bin" / tool


def ensure_peers() -> bool:
    """Install each peer tool into its own venv when missing; False when that fails."""
    PEERS_VENV.mkdir(parents=True, exist_ok=True)
    # Keep the venvs out of git and of linters that honour .gitignore (as newer venvs do).
    (PEERS_VENV / ".gitignore").write_text("*\n", encoding="utf-8")
    for tool, requirement in PEERS.items():
        if peer_bin(tool).exists():
            continue
        venv = PEERS_VENV / tool
        print(f"installing {requirement} into {venv} ...", flush=True)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", requirement], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"could not install {requirement}: {exc}", file=sys.stderr)
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: list[dict[str, Any]], truth: dict[str, Any] | None) -> None:
    """Side-by-side plain-text table of the runs, then recall per provider."""
    header = ["tool", "status", "wall s", "files/s", "max RSS MB", "tree RSS MB", "AI keys", "recall"]
    header += ["decoys hit", "other flags", "precision"]
    table = [header]
    for row in rows:
        s = row.get("score") or {}
        ran = row["status"] == "ok"  # a failed run's time says nothing about scanning
        keys = f"{s['keys_found']}/{s['keys_total']}" if s and truth else "-"
        decoys = f"{s['decoys_flagged']}/{s['decoys_total']}" if s and truth else "-"
        table.append(
            [
                row["tool"],
                row["status"],
                _fmt(row.get("wall_s") if ran else None, ".1f"),
                _fmt(row.get("files_per_s") if ran else None, ".0f"),
                _fmt(row.get("max_rss_mb") if ran else None, ".0f"),
                _fmt(row.get("peak_tree_rss_mb") if ran else None, ".0f"),
                keys,
                _fmt(s.get("recall"), ".1%") if s else "-",
                decoys,
                str(s.get("other_flags", "-")) if s else "-",
                _fmt(s.get("precision"), ".1%") if s else "-",
            ]
        )
    _print_grid(table)
    if truth is None:
        return
    providers = sorted({k["provider"] for k in truth["keys"]})
    scored = [r for r in rows if r.get("score")]
    if not scored:
        return
    print()
    grid = [["provider", *[r["tool"] for r in scored]]]
    for provider in providers:
        cells = []
        for row in scored:
            found, total = row["score"]["recall_by_provider"].get(provider, [0, 0])
            cells.append(f"{found}/{total}")
        grid.append([provider, *cells])
    _print_grid(grid)


def _print_grid(rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def run_tool(
    tool: Tool, work: Path, n_files: int, truth: dict[str, Any] | None, timeout: float, repeat: int
) -> dict[str, Any]:
    """Run one tool ``repeat`` times and return its result row (median wall time, largest memory)."""
    slug = tool.name.replace(" ", "").replace("--", "-")
    stdout, stderr = work / f"{slug}.stdout", work / f"{slug}.stderr"
    row: dict[str, Any] = {
        "tool": tool.name,
        "version": tool_version(tool.version_argv),
        "command": tool.argv,
    }
    if not Path(tool.argv[0]).exists():
        row.update(status="missing", error=f"{tool.argv[0]} not found")
        print(f"[{tool.name}] missing: {tool.argv[0]}")
        return row
    runs: list[RunStats] = []
    for attempt in range(repeat):
        print(f"[{tool.name}] run {attempt + 1}/{repeat} ...", flush=True)
        runs.append(run_measured(tool.argv, tool.cwd, stdout, stderr, timeout))
        if runs[-1].timed_out or runs[-1].returncode not in tool.ok_codes:
            break
    stats = runs[-1]
    walls = sorted(r.wall_s for r in runs)
    wall = walls[len(walls) // 2]
    row.update(
        returncode=stats.returncode,
        wall_s=round(wall, 3),
        wall_s_all=[round(w, 3) for w in walls],
        files_per_s=round(n_files / wall, 1) if wall > 0 else None,
        max_rss_mb=round(max(r.max_rss_mb for r in runs), 1),
        peak_tree_rss_mb=round(max(r.peak_tree_rss_mb for r in runs), 1),
    )
    last_error = (stats.stderr_tail.strip().splitlines() or [""])[-1]
    if stats.timed_out:
        row.update(status="timeout", error=f"killed after {timeout:.0f}s")
    elif stats.returncode not in tool.ok_codes:
        row.update(status="failed", error=f"exit {stats.returncode}: {last_error}")
    else:
        try:
            flags = tool.parse(stdout, work)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            if stats.returncode != 0:  # e.g. aispm exiting 1 before writing its report
                row.update(status="failed", error=f"exit {stats.returncode}: {last_error}")
            else:
                row.update(status="bad output", error=f"{type(exc).__name__}: {exc}")
        else:
            row.update(status="ok", flags=len(flags), score=asdict(score(flags, truth)))
    if row["status"] != "ok":
        # Keep the failing run's stderr for inspection and say where it is.
        kept = OUT_DIR / f"{slug}.stderr"
        shutil.copyfile(stderr, kept)
        row["stderr_file"] = str(kept)
        print(f"[{tool.name}] {row['status']}: {row.get('error')} (stderr: {kept})")
    else:
        print(f"[{tool.name}] done: {row['wall_s']:.1f}s (median of {len(runs)})")
    return row


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="aispm vs detect-secrets vs checkov: repository scan speed.")
    parser.add_argument(
        "--files", type=int, default=20_000, help="files in the generated tree (default 20000)"
    )
    parser.add_argument("--seed", type=int, default=1337, help="generator seed (default 1337)")
    parser.add_argument("--tree", type=Path, help="tree to scan (default bench/out/tree-N-sSEED, generated)")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the generated tree")
    parser.add_argument("--skip-peers", action="store_true", help="run aispm only")
    parser.add_argument("--only", action="append", help="run only this tool (repeatable)")
    parser.add_argument("--aispm", type=Path, default=DEFAULT_AISPM, help="the aispm executable")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per tool run (default 3600)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool; wall time is the median")
    parser.add_argument("--out", type=Path, default=OUT_DIR / "results.json", help="results file")
    args = parser.parse_args(argv)

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    tree, truth = prepare_tree(args.tree, args.files, args.seed, args.regenerate)
    tree = tree.resolve()
    n_files = int(truth["files"]) if truth else count_files(tree)
    with_peers = not args.skip_peers and ensure_peers()

    rows = []
    with tempfile.TemporaryDirectory(prefix="aispm-bench-") as tmp:
        work = Path(tmp)
        for tool in build_tools(tree, work, args.aispm.resolve(), with_peers):
            if args.only and tool.name not in args.only:
                continue
            rows.append(run_tool(tool, work, n_files, truth, args.timeout, max(1, args.repeat)))

    results = {
        "tree": str(tree),
        "files": n_files,
        "bytes": truth.get("bytes_total") if truth else None,
        "seed": truth.get("seed") if truth else None,
        "planted_keys": len(truth["keys"]) if truth else None,
        "decoys": len(truth["decoys"]) if truth else None,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "runs": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print()
    keys = f", {results['planted_keys']} planted AI keys, {results['decoys']} decoys" if truth else ""
    print(f"tree: {tree} ({n_files} files{keys})")
    print_table(rows, truth)
    print(f"\nresults: {args.out}")
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
