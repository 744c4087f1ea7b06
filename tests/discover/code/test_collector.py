"""The repository collector gives the same inventory in one process and in worker processes."""

from __future__ import annotations

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


def _snapshot(root: Path, jobs: int) -> tuple[list[object], list[object], list[object]]:
    inv = RepositoryCollector(root, AnalyzerFactory(None), jobs=jobs).collect()
    return (
        [a.to_json() for a in inv.assets],
        [r.to_json() for r in inv.relationships],
        [w.to_json() for w in inv.warnings],
    )


def test_parallel_scan_equals_serial_scan(tmp_path: Path) -> None:
    _tree(tmp_path, PARALLEL_MIN_FILES + 50)
    serial = _snapshot(tmp_path, jobs=1)
    parallel = _snapshot(tmp_path, jobs=2)
    assert parallel == serial
    models = [a for a in serial[0] if isinstance(a, dict) and a["kind"] == "model"]
    assert len(models) == (PARALLEL_MIN_FILES + 50 + 4) // 5
    assert any("binary" in str(w) for w in serial[2])
