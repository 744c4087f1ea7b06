"""Symbolic pickle analysis: every hiding technique is reported with the exact call; real
benign files of PyTorch, scikit-learn, numpy and pandas come out clean."""

from __future__ import annotations

import bz2
import gzip
import lzma
import pickle
from collections import OrderedDict
from pathlib import Path

import artifact_samples as samples
import pytest

from aispm.artifacts import scan_bytes, scan_file
from aispm.artifacts.model import Limits

CANARY = "/tmp/aispm-canary-unit"


@pytest.mark.parametrize("name", sorted(samples.malicious_pickles(CANARY)))
def test_malicious_pickle_reported_with_exact_call(name: str) -> None:
    data, callable_ = samples.malicious_pickles(CANARY)[name]
    scan = scan_bytes(data, f"{name}.pkl")
    assert scan.verdict == "malicious", scan.to_json()
    calls = [
        i
        for i in scan.all_issues()
        if i.kind == "dangerous_call" and i.callable and i.callable.endswith(callable_)
    ]
    assert calls, scan.to_json()
    assert any(CANARY in i.detail and i.detail.startswith(i.callable or "") for i in calls)


def test_benign_plain_pickles_are_clean() -> None:
    value = {"weights": [1.0, 2.5], "names": ("a", "b"), "od": OrderedDict(x=1), "s": {1, 2}, "b": b"\x00"}
    for protocol in range(0, 6):
        scan = scan_bytes(pickle.dumps(value, protocol=protocol), "state.pkl")
        assert scan.format == "pickle" and scan.verdict == "clean", (protocol, scan.to_json())
        assert scan.metadata["pickle_protocol"] == protocol or protocol < 2


def test_unknown_callable_is_medium_unknown_call() -> None:
    data = samples.stop(samples.call1(samples.sglob("mypkg.models", "Thing"), samples.u("x")))
    scan = scan_bytes(data, "x.pkl")
    assert scan.verdict == "suspicious"
    assert [(i.kind, i.severity.value, i.detail) for i in scan.issues] == [
        ("unknown_call", "medium", "mypkg.models.Thing('x')")
    ]


def test_stacked_pickles_are_all_read() -> None:
    benign = pickle.dumps([1, 2], protocol=4)
    bad = samples.malicious_pickles(CANARY)["stack_global_subprocess"][0]
    scan = scan_bytes(benign + bad, "stacked.pkl")
    assert scan.metadata["pickles"] == 2 and scan.verdict == "malicious"
    assert scan_bytes(benign + benign, "stacked.pkl").verdict == "clean"


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress])
def test_compressed_pickles(compress: object) -> None:
    bad = samples.malicious_pickles(CANARY)["global_os_system"][0]
    scan = scan_bytes(compress(bad), "model.pkl.gz")  # type: ignore[operator]
    assert scan.verdict == "malicious" and scan.metadata["compression"]
    good = scan_bytes(compress(pickle.dumps({"a": 1}, protocol=4)), "model.pkl.gz")  # type: ignore[operator]
    assert good.verdict == "clean", good.to_json()


def test_truncated_malicious_pickle_keeps_issues_and_reports_error() -> None:
    data = samples.malicious_pickles(CANARY)["global_os_system"][0][:-1]
    scan = scan_bytes(data, "t.pkl")
    assert scan.error and scan.verdict == "malicious"


def test_memo_and_stack_limits() -> None:
    many = samples.proto(4) + b"(" + b"N" * 5000 + b"t."
    scan = scan_bytes(many, "big.pkl", limits=Limits(max_stack=1000))
    assert scan.error and "stack" in scan.error
    memo = samples.proto(4) + b"N" + b"\x94" * 3000 + b"."
    scan = scan_bytes(memo, "memo.pkl", limits=Limits(max_memo=100))
    assert scan.error and "memo" in scan.error
    assert scan_bytes(memo, "memo.pkl").error is None


def test_huge_declared_length_is_an_error_not_an_allocation() -> None:
    data = samples.proto(4) + b"\x8e" + (2**62).to_bytes(8, "little") + b"abc"
    scan = scan_bytes(data, "huge.pkl")
    assert scan.error and "truncated" in scan.error


def test_torch_benign_files_are_clean(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.ReLU())
    torch.save(model.state_dict(), tmp_path / "weights.pt")
    torch.save(
        {"model": model.state_dict(), "step": 3}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False
    )
    torch.save(model, tmp_path / "whole.pt")
    torch.jit.save(torch.jit.script(model), tmp_path / "scripted.pt")
    formats = {}
    for name in ("weights.pt", "legacy.pt", "whole.pt", "scripted.pt"):
        scan = scan_file(tmp_path / name)
        formats[name] = scan.format
        assert scan.verdict == "clean", (name, scan.to_json())
        assert scan.error is None, (name, scan.error)
    assert formats == {
        "weights.pt": "pytorch",
        "legacy.pt": "pytorch_legacy",
        "whole.pt": "pytorch",
        "scripted.pt": "torchscript",
    }


def test_torch_zip_with_payload_any_prefix() -> None:
    bad = samples.malicious_pickles(CANARY)["global_os_system"][0]
    scan = scan_bytes(samples.torch_zip(bad, prefix="my_model"), "model.bin")
    assert scan.format == "pytorch" and scan.verdict == "malicious"
    assert scan.issues[0].member == "my_model/data.pkl"


def test_torch_legacy_with_payload() -> None:
    body = samples.call1(samples.glob("os", "system"), samples.u(f"touch {CANARY}"))
    scan = scan_bytes(samples.torch_legacy(body), "old.pt")
    assert scan.format == "pytorch_legacy" and scan.verdict == "malicious", scan.to_json()
    clean = scan_bytes(samples.torch_legacy(b"}"), "old.pt")
    assert clean.verdict == "clean" and clean.error is None, clean.to_json()


def test_sklearn_numpy_pandas_joblib_benign(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    joblib = pytest.importorskip("joblib")
    sklearn_linear = pytest.importorskip("sklearn.linear_model")
    pd = pytest.importorskip("pandas")
    x = np.arange(40, dtype="float64").reshape(20, 2)
    y = (x[:, 0] > 10).astype(int)
    clf = sklearn_linear.LogisticRegression().fit(x, y)
    joblib.dump(clf, tmp_path / "clf.joblib")
    joblib.dump(
        {"clf": clf, "arr": x, "obj": np.array([{"a": 1}, None], dtype=object)}, tmp_path / "mix.joblib"
    )
    for method in ("zlib", "gzip", "bz2", "lzma", "lz4"):
        joblib.dump(clf, tmp_path / f"clf_{method}.joblib", compress=(method, 3))
    np.save(tmp_path / "arr.npy", x)
    np.save(tmp_path / "obj.npy", np.array([{"k": [1, 2]}, "s"], dtype=object), allow_pickle=True)
    np.savez(tmp_path / "arrs.npz", a=x, b=np.array([1, 2]))
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_pickle(tmp_path / "frame.pkl")
    with (tmp_path / "arr.pkl").open("wb") as fh:
        pickle.dump(x, fh)
    for path in sorted(tmp_path.iterdir()):
        scan = scan_file(path)
        assert scan.format is not None, path.name
        assert scan.verdict == "clean", (path.name, scan.to_json())
        assert scan.error is None, (path.name, scan.error)


def test_joblib_with_inline_payload_after_array(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    joblib = pytest.importorskip("joblib")
    joblib.dump({"arr": np.ones(3)}, tmp_path / "ok.joblib")
    raw = (tmp_path / "ok.joblib").read_bytes()
    bad = samples.malicious_pickles(CANARY)["stack_global_subprocess"][0]
    scan = scan_bytes(raw + bad, "x.joblib")
    assert scan.verdict == "malicious", scan.to_json()
    compressed = scan_bytes(gzip.compress(bad), "evil.joblib")
    assert compressed.verdict == "malicious"


def test_npy_object_array_with_payload() -> None:
    bad = samples.malicious_pickles(CANARY)["builtins_exec"][0]
    scan = scan_bytes(samples.npy_object(bad), "x.npy")
    assert scan.format == "numpy" and scan.metadata["object_dtype"] and scan.verdict == "malicious"
    assert scan_bytes(samples.npy_object(pickle.dumps([1], protocol=2)), "x.npy").verdict == "clean"


def test_call_text_shows_the_arguments_as_they_were_at_the_call() -> None:
    """The text of a call is rendered when the call is made (only for calls that can be
    reported): a list changed after the call is shown as it was passed."""
    arg = b"]" + b"\x94" + samples.u("id") + b"a"  # a list ['id'], memoized as 0
    later = b"h\x00" + samples.u("later") + b"a0"  # append to it after the call
    data = samples.stop(samples.sglob("os", "system") + arg + b"\x85R" + later)
    scan = scan_bytes(data, "x.pkl")
    assert [i.detail for i in scan.issues if i.callable == "os.system"] == ["os.system(['id'])"]


def test_every_decoded_opcode_has_a_handler() -> None:
    from aispm.artifacts.pickle_ops import OPCODES
    from aispm.artifacts.pickle_vm import _DISPATCH

    names = {name for name, _decode in OPCODES.values()}
    assert names - {"STOP"} == set(_DISPATCH)
    assert len(names) == len(OPCODES)  # one name per opcode byte
