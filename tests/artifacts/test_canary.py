"""Nothing is executed: every malicious sample would create the canary file if it were loaded;
the whole corpus is scanned, each sample is flagged with its exact call, and the canary never
appears."""

from __future__ import annotations

import gzip
import io
import marshal
import uuid
from pathlib import Path

import artifact_samples as samples
import pytest

from aispm.artifacts import scan_tree


def _corpus(folder: Path, canary: str) -> dict[str, str]:
    """Write the malicious corpus; returns file name -> evidence its scan must show."""
    expected: dict[str, str] = {}
    cmd = f"touch {canary}"
    for name, (data, _callable) in samples.malicious_pickles(canary).items():
        (folder / f"{name}.pkl").write_bytes(data)
        expected[f"{name}.pkl"] = canary
    payload = samples.malicious_pickles(canary)["global_os_system"][0]
    files = {
        "torch_zip.pt": samples.torch_zip(payload),
        "torch_legacy.pt": samples.torch_legacy(samples.call1(samples.glob("os", "system"), samples.u(cmd))),
        "joblib_gz.joblib": gzip.compress(payload),
        "object.npy": samples.npy_object(payload),
        "bundle.zip": samples.zip_with({"inner/model.pkl": payload}),
        "bundle.tar": samples.tar_with({"model.pkl": payload}),
        "keras_lambda.keras": samples.keras_v3_lambda(
            marshal.dumps(compile(f"__import__('os').system({cmd!r})", "<l>", "exec"))
        ),
        "template.gguf": samples.gguf(
            {"tokenizer.chat_template": f"{{{{ cycler.__init__.__globals__.os.popen('{cmd}') }}}}"}
        ),
    }
    try:
        import py7zr

        buf = io.BytesIO()
        with py7zr.SevenZipFile(buf, "w") as archive:
            archive.writestr(payload, "model.pkl")
        files["bundle.7z"] = buf.getvalue()
    except ImportError:  # pragma: no cover - py7zr is a dependency
        pass
    for name, data in files.items():
        (folder / name).write_bytes(data)
        expected[name] = "popen('touch" if name.endswith(".gguf") else "system"
    return expected


def test_canary_never_created(tmp_path: Path) -> None:
    canary = Path(f"/tmp/aispm-canary-{uuid.uuid4().hex}")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    expected = _corpus(corpus, str(canary))
    results = {Path(scan.path).name: scan for scan in scan_tree(corpus)}
    assert set(results) == set(expected)
    for name, evidence in expected.items():
        scan = results[name]
        assert scan.verdict == "malicious", (name, scan.to_json())
        assert any(evidence in issue.detail for issue in scan.all_issues()), (name, scan.to_json())
    assert not canary.exists()


@pytest.mark.parametrize("benign", [b"\x80\x04K\x01.", b"(lp0\nI1\na."])
def test_negative_control_is_not_flagged(tmp_path: Path, benign: bytes) -> None:
    (tmp_path / "ok.pkl").write_bytes(benign)
    assert [scan.verdict for scan in scan_tree(tmp_path)] == ["clean"]
