"""AWS scan speed: aispm vs Prowler's bedrock and sagemaker checks on one seeded moto server.

    .venv/bin/python bench/aws_scan.py                 # 5,000 resources (default)
    .venv/bin/python bench/aws_scan.py --resources 500 --skip-peers

Starts ``moto_server`` on a free loopback port, seeds it with bench/aws_seed.py, then runs, with
``AWS_ENDPOINT_URL`` pointing at it and fake credentials:

- aispm:   ``aispm scan aws --regions us-east-1,eu-west-1 --no-store -f json``
- Prowler: ``prowler aws --service bedrock sagemaker -f us-east-1 eu-west-1`` from its own venv
  ``bench/.peers-venv/prowler`` (``prowler==5.46.0``, created on first use from PyPI).

Prints wall time, assets and findings of each side by side (and writes bench/out/aws_scan.json).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
PEERS = ROOT / "bench" / ".peers-venv"
PROWLER = "prowler==5.46.0"
REGIONS = ("us-east-1", "eu-west-1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    proc = subprocess.Popen(
        [str(VENV / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=2).close()
            return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("moto_server did not start")


def aws_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_MAX_ATTEMPTS="2",
    )
    return env


def run_aispm(url: str, out: Path) -> dict[str, object]:
    report = out / "aispm-aws.json"
    cmd = [
        str(VENV / "aispm"),
        "scan",
        "aws",
        "--regions",
        ",".join(REGIONS),
        "--no-store",
        "-q",
        "-f",
        "json",
    ]
    start = time.perf_counter()
    proc = subprocess.run([*cmd, "-o", str(report)], env=aws_env(url), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if not report.exists():
        return {"tool": "aispm", "error": proc.stderr.strip()[-500:], "seconds": seconds}
    doc = json.loads(report.read_text())
    return {
        "tool": "aispm",
        "seconds": round(seconds, 1),
        "assets": doc["summary"]["assets"],
        "relationships": doc["summary"]["relationships"],
        "findings": doc["summary"]["findings"],
        "unknown_findings": doc["summary"].get("unknown_findings", 0),
        "coverage_gaps": doc["summary"].get("coverage_gaps", 0),
        "exit": proc.returncode,
    }


def ensure_prowler() -> Path | str:
    venv = PEERS / "prowler"
    binary = venv / "bin" / "prowler"
    if binary.exists():
        return binary
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", PROWLER], capture_output=True, text=True
    )
    if install.returncode != 0 or not binary.exists():
        return f"cannot install {PROWLER}: {install.stderr.strip()[-300:]}"
    return binary


def run_prowler(url: str, out: Path) -> dict[str, object]:
    binary = ensure_prowler()
    if isinstance(binary, str):
        return {"tool": "prowler", "error": binary}
    outdir = out / "prowler"
    cmd = [
        str(binary), "aws", "--service", "bedrock", "sagemaker", "-f", *REGIONS,
        "--output-formats", "json-ocsf", "-o", str(outdir), "--no-banner", "--ignore-exit-code-3",
    ]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=aws_env(url), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    results = list(outdir.glob("*.ocsf.json"))
    if proc.returncode != 0 or not results:
        tail = (proc.stderr or proc.stdout).strip()[-800:]
        return {"tool": "prowler", "error": f"exit {proc.returncode}: {tail}", "seconds": round(seconds, 1)}
    findings = json.loads(results[0].read_text() or "[]")
    failed = [f for f in findings if f.get("status_code") == "FAIL"]
    return {
        "tool": "prowler",
        "seconds": round(seconds, 1),
        "checks_results": len(findings),
        "findings": len(failed),
        "exit": proc.returncode,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="aispm vs Prowler on a seeded moto server")
    parser.add_argument("--resources", type=int, default=5000)
    parser.add_argument("--skip-peers", action="store_true")
    args = parser.parse_args()
    proc, url = start_moto()
    try:
        start = time.perf_counter()
        seeded = subprocess.run(
            [
                str(VENV / "python"),
                str(ROOT / "bench" / "aws_seed.py"),
                "--endpoint",
                url,
                "--resources",
                str(args.resources),
            ],
            capture_output=True,
            text=True,
        )
        if seeded.returncode != 0:
            raise SystemExit(f"seeding failed: {seeded.stderr.strip()[-800:]}")
        counts = json.loads(seeded.stdout)
        print(f"seeded {sum(counts.values())} resources in {time.perf_counter() - start:.0f} s: {counts}")
        with tempfile.TemporaryDirectory() as tmp:
            rows = [run_aispm(url, Path(tmp))]
            if not args.skip_peers:
                rows.append(run_prowler(url, Path(tmp)))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    for row in rows:
        print(json.dumps(row))
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "aws_scan.json").write_text(json.dumps({"seeded": counts, "results": rows}, indent=2))


if __name__ == "__main__":
    main()
