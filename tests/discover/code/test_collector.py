"""The repository collector gives the same inventory in one process and in worker processes."""

from __future__ import annotations

import json
from pathlib import Path

from aispm.discover.code.analyzers import AnalyzerFactory
from aispm.discover.code.collector import PARALLEL_MIN_FILES, RepositoryCollector

SOURCE = 'import openai\nopenai.OpenAI().chat.completions.create(model="gpt-4o-{n}", messages=[])\n'


def _tree(root: Path, files: int) -> None:
    for n in range(files):
        folder = root / f"pkg{n % 7}"
        folder.mkdir(exist_ok=True)
        text = SOURCE.format(n=n) if n % 5 == 0 else f"VALUE_{n} = {n}\n"
        (folder / f"m{n}.py").write_text(text)
    (root / "broken.py").write_bytes(b"import openai\x00\x01")


DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: ollama, namespace: ai}
spec:
  selector: {matchLabels: {app: ollama}}
  template:
    metadata: {labels: {app: ollama}}
    spec:
      containers:
        - name: ollama
          image: ollama/ollama:0.5.7
          ports: [{containerPort: 11434}]
"""
SERVICE = """apiVersion: v1
kind: Service
metadata: {name: ollama, namespace: ai}
spec:
  type: LoadBalancer
  selector: {app: ollama}
  ports: [{port: 11434}]
"""


def _snapshot(root: Path, jobs: int) -> tuple[list[str], list[str], list[str]]:
    """The inventory as sorted JSON lines (cross-file analyzers may add in another order)."""
    inv = RepositoryCollector(root, AnalyzerFactory(None), jobs=jobs).collect()
    return (
        sorted(json.dumps(a.to_json(), sort_keys=True) for a in inv.assets),
        sorted(json.dumps(r.to_json(), sort_keys=True) for r in inv.relationships),
        sorted(json.dumps(w.to_json(), sort_keys=True) for w in inv.warnings),
    )


def test_parallel_scan_equals_serial_scan(tmp_path: Path) -> None:
    _tree(tmp_path, PARALLEL_MIN_FILES + 50)
    # a workload and the Service exposing it, far apart in the walk (different worker chunks)
    (tmp_path / "aaa-deployment.yaml").write_text(DEPLOYMENT)
    (tmp_path / "pkg6" / "zzz-service.yaml").write_text(SERVICE)
    serial = _snapshot(tmp_path, jobs=1)
    parallel = _snapshot(tmp_path, jobs=2)
    assert parallel == serial
    models = [a for a in map(json.loads, serial[0]) if a["kind"] == "model"]
    assert len(models) == (PARALLEL_MIN_FILES + 50 + 4) // 5
    assert any("binary" in w for w in serial[2])
    exposes = [r for r in map(json.loads, serial[1]) if r["kind"] == "exposes"]
    assert exposes, "the Service in another file must be linked to the workload"
