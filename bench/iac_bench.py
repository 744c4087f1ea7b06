"""IaC and Kubernetes benchmark: aispm against checkov on the same Terraform, CloudFormation and manifests.

The corpus is the IaC and manifest fixtures of the test suite (hand-written, with planted
misconfigurations listed in ``bench/iac_ground_truth.json``), copied ``--copies`` times into
``bench/out/iac-tree`` so timings are not dominated by start-up.  Each tool runs as a subprocess:

- aispm:   ``aispm scan TREE --no-store --format json -o OUT``
- checkov: ``checkov -d TREE --framework terraform,terraform_plan,cloudformation,kubernetes -o json
  --quiet --skip-download`` (bench/.peers-venv/checkov, ``checkov==3.3.30``, installed on first use)

Counted per tool: wall time, **AI findings** (aispm: failed AWS/AZURE/GCP/K8S rules; checkov:
failed checks on the AI resource types aispm inventories, and on the Kubernetes objects that are AI
workloads), and **true findings**: distinct (resource, issue) pairs of the ground truth reported
(checkov ids translated by :data:`CHECKOV_TO_AISPM`, the table of docs/checkov-mapping.md), for the
first copy of the corpus.  Standard library only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SOURCES = [ROOT / "tests/discover/iac/fixtures", ROOT / "tests/discover/kubernetes/fixtures/manifests"]
SKIP = {"broken", "broken.yaml"}
CHECKOV_VENV = BENCH / ".peers-venv" / "checkov"

CHECKOV_TO_AISPM: dict[str, str] = {
    "CKV_AWS_122": "AISPM-AWS-001",
    "CKV_AWS_307": "AISPM-AWS-002",
    "CKV_AWS_306": "AISPM-AWS-003",
    "CKV_AWS_22": "AISPM-AWS-004",
    "CKV_AWS_187": "AISPM-AWS-004",
    "CKV_AWS_371": "AISPM-AWS-050",
    "CKV_AWS_370": "AISPM-AWS-006",
    "CKV_AWS_98": "AISPM-AWS-012",
    "CKV_AWS_367": "AISPM-AWS-053",
    "CKV_AWS_368": "AISPM-AWS-054",
    "CKV_AWS_369": "AISPM-AWS-055",
    "CKV_AWS_372": "AISPM-AWS-056",
    "CKV_AWS_373": "AISPM-AWS-052",
    "CKV_AWS_383": "AISPM-AWS-028",
    "CKV2_AWS_68": "AISPM-AWS-040",
    "CKV_AZURE_236": "AISPM-AZURE-001",
    "CKV_AZURE_142": "AISPM-AZURE-001",
    "CKV_AZURE_134": "AISPM-AZURE-002",
    "CKV_AZURE_144": "AISPM-AZURE-002",
    "CKV2_AZURE_49": "AISPM-AZURE-002",
    "CKV_AZURE_124": "AISPM-AZURE-002",
    "CKV_AZURE_210": "AISPM-AZURE-002",
    "CKV_AZURE_247": "AISPM-AZURE-003",
    "CKV2_AZURE_22": "AISPM-AZURE-005",
    "CKV_AZURE_238": "AISPM-AZURE-006",
    "CKV_AZURE_207": "AISPM-AZURE-006",
    "CKV2_AZURE_50": "AISPM-AZURE-008",
    "CKV_AZURE_150": "AISPM-AZURE-009",
    "CKV_AZURE_209": "AISPM-AZURE-010",
    "CKV_AZURE_208": "AISPM-AZURE-011",
    "CKV_GCP_89": "AISPM-GCP-001",
    "CKV2_GCP_28": "AISPM-GCP-001",
    "CKV2_GCP_36": "AISPM-GCP-001",
    "CKV_GCP_92": "AISPM-GCP-002",
    "CKV_GCP_96": "AISPM-GCP-002",
    "CKV2_GCP_21": "AISPM-GCP-002",
    "CKV2_GCP_24": "AISPM-GCP-002",
    "CKV2_GCP_25": "AISPM-GCP-002",
    "CKV2_GCP_26": "AISPM-GCP-002",
    "CKV2_GCP_27": "AISPM-GCP-002",
    "CKV2_GCP_35": "AISPM-GCP-002",
    "CKV2_GCP_33": "AISPM-GCP-003",
    "CKV2_GCP_34": "AISPM-GCP-003",
    "CKV_GCP_126": "AISPM-GCP-004",
    "CKV_GCP_127": "AISPM-GCP-004",
    "CKV_K8S_16": "AISPM-K8S-005",
    "CKV_K8S_19": "AISPM-K8S-005",
    "CKV_K8S_17": "AISPM-K8S-005",
    "CKV_K8S_14": "AISPM-K8S-009",
    "CKV_K8S_43": "AISPM-K8S-009",
    "CKV_K8S_35": "AISPM-K8S-004",
}
"""checkov check id → the aispm rule covering the same issue (docs/checkov-mapping.md).  Ids that map
to an issue aispm has no rule for would keep a pseudo id (``AISPM-AWS-<NAME>``) so checkov is still
credited; today every listed id maps to a real rule."""

AI_K8S = {
    "ai:Deployment:ollama",
    "ai:Deployment:vllm",
    "ml:InferenceService:llama",
    "ml:InferenceService:internal",
    "ml:RayCluster:ray",
    "ml:StatefulSet:notebook",
    "ml:Deployment:webui",
    "safe:Deployment:vllm-safe",
    "ai:llm-config",
}


def build_tree(copies: int) -> Path:
    tree = BENCH / "out" / "iac-tree"
    if tree.exists():
        shutil.rmtree(tree)
    for i in range(copies):
        for src in SOURCES:
            dest = tree / f"copy{i:03d}" / src.name
            shutil.copytree(src, dest, ignore=lambda _d, names: [n for n in names if n in SKIP])
    return tree


def ai_types() -> set[str]:
    sys.path.insert(0, str(ROOT / "src"))
    import yaml

    data = yaml.safe_load((ROOT / "src/aispm/data/iac_resources.yaml").read_text())
    return {t for d in data for t in (d.get("terraform"), d.get("cloudformation")) if t}


def run(argv: list[str], timeout: float = 1800) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    return time.perf_counter() - start, proc


def ensure_checkov() -> Path | None:
    exe = CHECKOV_VENV / "bin" / "checkov"
    if exe.exists():
        return exe
    try:
        subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
        subprocess.run([str(CHECKOV_VENV / "bin" / "pip"), "install", "-q", "checkov==3.3.30"], check=True)
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"checkov could not be installed: {exc}", file=sys.stderr)
        return None
    return exe


def aispm_findings(report: Path) -> list[tuple[str, str, str]]:
    """(copy, resource, rule) of failed AWS/AZURE/GCP/K8S findings."""
    data = json.loads(report.read_text())
    assets = {a["id"]: a for a in data.get("assets") or []}
    out = []
    for f in data["findings"]:
        if f.get("status", "fail") != "fail" or not f["rule_id"].startswith(
            ("AISPM-AWS", "AISPM-AZURE", "AISPM-GCP", "AISPM-K8S")
        ):
            continue
        path = (f.get("location") or {}).get("path") or ""
        asset = assets.get(f["asset_id"], {})
        iac = (asset.get("properties") or {}).get("iac")
        if isinstance(iac, dict):
            resource = str(iac["address"]).rsplit("/", 1)[-1]
        else:
            parts = f["asset_id"].split(":")
            resource = ":".join(parts[-3:]) if ":workload:" in f["asset_id"] else ":".join(parts[-2:])
        out.append((path.split("/", 1)[0], resource, f["rule_id"]))
    return out


def checkov_findings(stdout: str, types: set[str]) -> list[tuple[str, str, str]]:
    """(copy, resource, check id) of failed checks on AI resources."""
    start = stdout.find("[") if stdout.lstrip().startswith("[") else stdout.find("{")
    data: Any = json.loads(stdout[start:]) if start >= 0 else []
    reports = data if isinstance(data, list) else [data]
    out = []
    for report in reports:
        for r in (report.get("results") or {}).get("failed_checks") or []:
            resource = str(r.get("resource", ""))
            path = str(r.get("file_path", "")).lstrip("/")
            kind = resource.split(".", 1)[0]
            if report.get("check_type") == "kubernetes":
                parts = resource.split(".")
                resource = f"{parts[1]}:{parts[0]}:{parts[2]}" if len(parts) >= 3 else resource
                if parts[0] == "ConfigMap":
                    resource = f"{parts[1]}:{parts[2]}"
                if resource not in AI_K8S:
                    continue
            elif kind in types:
                resource = resource.split(".", 1)[1] if kind.startswith("AWS::") else resource
            else:
                continue
            out.append((path.split("/", 1)[0], resource, str(r.get("check_id"))))
    return out


def score(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> int:
    return len(found & truth)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--copies", type=int, default=50, help="copies of the corpus (default 50)")
    parser.add_argument("--skip-checkov", action="store_true")
    args = parser.parse_args()
    tree = build_tree(args.copies)
    files = sum(1 for p in tree.rglob("*") if p.is_file())
    truth = {(r, i) for r, i in json.loads((BENCH / "iac_ground_truth.json").read_text())["issues"]}
    results: dict[str, dict[str, Any]] = {}

    report = BENCH / "out" / "iac-aispm.json"
    aispm = ROOT / ".venv" / "bin" / "aispm"
    wall, proc = run(
        [str(aispm), "scan", str(tree), "--no-store", "--format", "json", "-o", str(report), "-q"]
    )
    if proc.returncode not in (0, 1, 3):
        print(proc.stderr[-2000:], file=sys.stderr)
        return 1
    found = aispm_findings(report)
    first = {(r, rule) for c, r, rule in found if c == "copy000"}
    ai_first = [f for f in found if f[0] == "copy000"]
    results["aispm"] = {
        "wall_s": round(wall, 2),
        "ai_findings": len(ai_first),
        "true": score(first, truth),
        "ai_specific": len(ai_first),
    }

    if not args.skip_checkov and (exe := ensure_checkov()) is not None:
        argv = [
            str(exe),
            "-d",
            str(tree),
            "--framework",
            "terraform",
            "terraform_plan",
            "cloudformation",
            "kubernetes",
            "-o",
            "json",
            "--quiet",
            "--skip-download",
            "--compact",
        ]
        wall, proc = run(argv)
        found_c = checkov_findings(proc.stdout, ai_types())
        first_c = {(r, CHECKOV_TO_AISPM.get(cid, cid)) for c, r, cid in found_c if c == "copy000"}
        ai_first_c = [f for f in found_c if f[0] == "copy000"]
        results["checkov 3.3.30"] = {
            "wall_s": round(wall, 2),
            "ai_findings": len(ai_first_c),
            "true": score(first_c, truth),
            "ai_specific": sum(
                1 for f in ai_first_c if f[2] in CHECKOV_TO_AISPM and not f[2].startswith("CKV_K8S")
            ),
        }

    print(
        f"corpus: {files} files ({args.copies} copies of the IaC + manifest fixtures); "
        f"ground truth: {len(truth)} issues per copy"
    )
    print(f"{'tool':<16}{'wall s':>9}{'AI findings (1 copy)':>22}{'AI-specific':>13}{'true (1 copy)':>16}")
    for name, r in results.items():
        counts = f"{r['ai_findings']:>22}{r['ai_specific']:>13}{r['true']:>10} / {len(truth)}"
        print(f"{name:<16}{r['wall_s']:>9}{counts}")
    (BENCH / "out" / "iac-results.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
