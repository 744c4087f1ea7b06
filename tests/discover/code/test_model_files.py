from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import pickle
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
from aispm.discover.code.base import SourceFile
from aispm.discover.code.model_files import ModelFileAnalyzer, classify_zip

REPO = "github.com/acme/models"
PLAIN = {"weights": [1.0, 2.5, -3.0], "name": "tiny", "layers": (1, 2)}


def _write(root: Path, rel: str, data: bytes) -> SourceFile:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return SourceFile(root=root, path=path, rel=rel, size=path.stat().st_size, repo_key=REPO)


def _scan(file: SourceFile) -> Inventory:
    out = Inventory()
    analyzer = ModelFileAnalyzer()
    if analyzer.wants(file):
        analyzer.analyze(file, out)
    return out


def _artifact(out: Inventory, rel: str) -> Asset:
    asset = out.get(urn("code", "model_artifact", REPO, rel))
    assert asset is not None, f"{rel} not detected; warnings: {out.warnings}"
    assert asset.kind is AssetKind.MODEL_ARTIFACT
    return asset


def _zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _npy(descr: str = "<f4") -> bytes:
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': (3,), }}"
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + b"\x00" * 12


def _safetensors() -> bytes:
    header = json.dumps(
        {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "__metadata__": {"format": "pt"}}
    ).encode()
    header += b" " * (-len(header) % 8)
    return len(header).to_bytes(8, "little") + header + b"\x00" * 8


def _field(number: int, payload: bytes) -> bytes:
    return bytes([number << 3 | 2, len(payload)]) + payload


def _onnx(producer: bytes = b"pytorch") -> bytes:
    graph = _field(2, b"main_graph") + _field(1, _field(4, b"Relu"))
    opset = bytes([0x10, 13])
    return b"\x08\x07" + _field(2, producer) + _field(3, b"2.1.0") + _field(7, graph) + _field(8, opset)


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_pickles_of_every_protocol(tmp_path: Path, protocol: int) -> None:
    data = pickle.dumps(PLAIN, protocol=protocol)
    file = _write(tmp_path, f"models/clf_{protocol}.pkl", data)
    out = _scan(file)
    props = _artifact(out, file.rel).properties
    assert props["format"] == "pickle"
    assert props["pickle_protocol"] == protocol
    assert props["size"] == len(data)
    assert props["sha256"] == hashlib.sha256(data).hexdigest()
    assert props["extension_matches"] is True
    edges = [
        r.source for r in out.incoming(urn("code", "model_artifact", REPO, file.rel), RelationKind.CONTAINS)
    ]
    assert edges == [file.repo_id]


def test_binary_pickle_with_odd_extension_is_found_by_content(tmp_path: Path) -> None:
    file = _write(tmp_path, "weights.data", pickle.dumps(PLAIN, protocol=4))
    props = _artifact(_scan(file), "weights.data").properties
    assert props["format"] == "pickle" and props["extension_matches"] is False


def test_text_pickle_needs_pickle_extension(tmp_path: Path) -> None:
    file = _write(tmp_path, "notes.txt", pickle.dumps(PLAIN, protocol=0))
    assert len(_scan(file)) == 0


def test_pytorch_zip_torchscript_and_legacy(tmp_path: Path) -> None:
    checkpoint = _zip_bytes(
        {
            "archive/data.pkl": pickle.dumps(PLAIN, protocol=2),
            "archive/byteorder": b"little",
            "archive/data/0": b"\x00" * 16,
            "archive/version": b"3\n",
        }
    )
    file = _write(tmp_path, "model.pt", checkpoint)
    props = _artifact(_scan(file), "model.pt").properties
    assert (props["format"], props["variant"], props["extension_matches"]) == ("pytorch", "zip", True)

    script = _zip_bytes(
        {
            "model/data.pkl": b"\x80\x02.",
            "model/constants.pkl": b"\x80\x02.",
            "model/code/__torch__/m.py": b"",
            "model/version": b"1",
        }
    )
    sfile = _write(tmp_path, "scripted.bin", script)
    assert _artifact(_scan(sfile), "scripted.bin").properties["variant"] == "torchscript"

    legacy = (
        pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2) + b"\x01\x02\x03"
    )
    lfile = _write(tmp_path, "old.pth", legacy)
    lprops = _artifact(_scan(lfile), "old.pth").properties
    assert (lprops["format"], lprops["variant"]) == ("pytorch", "legacy")


def test_pytorch_legacy_tar(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name in ("sys_info", "pickle", "storages", "tensors"):
            info = tarfile.TarInfo(name)
            payload = pickle.dumps(name, protocol=2)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    file = _write(tmp_path, "ancient.tar", buffer.getvalue())
    assert _artifact(_scan(file), "ancient.tar").properties["variant"] == "tar"
    other = io.BytesIO()
    with tarfile.open(fileobj=other, mode="w") as archive:
        info = tarfile.TarInfo("readme.txt")
        archive.addfile(info, io.BytesIO(b""))
    assert len(_scan(_write(tmp_path, "backup.tar", other.getvalue()))) == 0


def test_safetensors(tmp_path: Path) -> None:
    file = _write(tmp_path, "hf/model.safetensors", _safetensors())
    props = _artifact(_scan(file), "hf/model.safetensors").properties
    assert props["format"] == "safetensors" and props["tensors"] == 1 and props["extension_matches"]
    bad = bytearray(_safetensors())
    bad[0:8] = (10**9).to_bytes(8, "little")  # header length larger than the file
    assert len(_scan(_write(tmp_path, "bad.safetensors", bytes(bad)))) == 0
    not_tensors = json.dumps({"a": 1}).encode()
    fake = len(not_tensors).to_bytes(8, "little") + not_tensors
    assert len(_scan(_write(tmp_path, "fake.safetensors", fake))) == 0


def test_onnx_by_structure(tmp_path: Path) -> None:
    file = _write(tmp_path, "model.onnx", _onnx())
    props = _artifact(_scan(file), "model.onnx").properties
    assert props["format"] == "onnx" and props["ir_version"] == 7
    renamed = _write(tmp_path, "model.weights", _onnx())
    assert _artifact(_scan(renamed), "model.weights").properties["extension_matches"] is False
    no_producer = b"\x08\x07" + _field(7, b"\x12\x01x")
    assert len(_scan(_write(tmp_path, "other.dat", no_producer))) == 0  # ambiguous without .onnx
    assert len(_scan(_write(tmp_path, "bare.onnx", no_producer))) == 1
    garbage = b"\x08\x07\x12\x7f" + b"short"  # length runs past the end
    assert len(_scan(_write(tmp_path, "broken.onnx", garbage))) == 0


def test_gguf_hdf5_and_numpy(tmp_path: Path) -> None:
    gguf = b"GGUF" + (3).to_bytes(4, "little") + (0).to_bytes(8, "little") * 2
    props = _artifact(_scan(_write(tmp_path, "llama.gguf", gguf)), "llama.gguf").properties
    assert props["format"] == "gguf" and props["gguf_version"] == 3
    assert len(_scan(_write(tmp_path, "x.gguf", b"GGUF" + (99).to_bytes(4, "little")))) == 0

    hdf5 = b"\x89HDF\r\n\x1a\n" + b"\x00" * 64
    assert _artifact(_scan(_write(tmp_path, "model.h5", hdf5)), "model.h5").properties["format"] == "keras_h5"
    keras_attr = hdf5 + b"keras_version\x002.15.0"
    assert (
        _artifact(_scan(_write(tmp_path, "ckpt.bin", keras_attr)), "ckpt.bin").properties["format"]
        == "keras_h5"
    )
    assert len(_scan(_write(tmp_path, "climate.nc", hdf5))) == 0  # HDF5 data, not a model

    npy = _artifact(_scan(_write(tmp_path, "emb.npy", _npy())), "emb.npy").properties
    assert (npy["format"], npy["variant"], npy["object_dtype"]) == ("numpy", "npy", False)
    obj = _artifact(_scan(_write(tmp_path, "objs.npy", _npy("|O"))), "objs.npy").properties
    assert obj["object_dtype"] is True
    npz = _write(tmp_path, "arrays.npz", _zip_bytes({"a.npy": _npy(), "b.npy": _npy()}))
    assert _artifact(_scan(npz), "arrays.npz").properties["variant"] == "npz"


def test_keras_v3(tmp_path: Path) -> None:
    data = _zip_bytes(
        {"metadata.json": b"{}", "config.json": b"{}", "model.weights.h5": b"\x89HDF\r\n\x1a\n"}
    )
    props = _artifact(_scan(_write(tmp_path, "net.keras", data)), "net.keras").properties
    assert props["format"] == "keras_v3" and props["extension_matches"]


def test_saved_model_directory(tmp_path: Path) -> None:
    pb = b"\x08\x01\x12\x04\x0a\x02\x08\x01"
    file = _write(tmp_path, "export/1/saved_model.pb", pb)
    _write(tmp_path, "export/1/variables/variables.index", b"x" * 10)
    out = _scan(file)
    props = _artifact(out, "export/1").properties
    assert props["format"] == "tf_savedmodel"
    assert props["size"] == len(pb) + 10
    assert props["sha256"] == hashlib.sha256(pb).hexdigest() and props["hashed_file"] == "saved_model.pb"
    text = _write(tmp_path, "saved_model.pbtxt", b"saved_model_schema_version: 1\nmeta_graphs {\n}\n")
    assert _artifact(_scan(text), ".").properties["extension_matches"] is True
    assert len(_scan(_write(tmp_path, "junk/saved_model.pb", b"hello"))) == 0


def test_joblib_plain_and_compressed(tmp_path: Path) -> None:
    wrapper = b"\x80\x02cjoblib.numpy_pickle\nNumpyArrayWrapper\nq\x00)\x81q\x01}q\x02b."
    props = _artifact(_scan(_write(tmp_path, "model.joblib", wrapper)), "model.joblib").properties
    assert props["format"] == "joblib" and props["extension_matches"]

    plain = _artifact(_scan(_write(tmp_path, "dict.joblib", pickle.dumps(PLAIN, protocol=4))), "dict.joblib")
    assert plain.properties["format"] == "joblib"  # joblib.dump of objects without arrays

    payload = pickle.dumps(PLAIN, protocol=4)
    compressed: dict[str, bytes] = {
        "z.joblib": zlib.compress(payload),
        "g.pkl.gz": gzip.compress(payload),
        "b.joblib": bz2.compress(payload),
        "x.joblib": lzma.compress(payload),
        "l.pkl": lzma.compress(payload, format=lzma.FORMAT_ALONE),
    }
    expected = {"z.joblib": "zlib", "g.pkl.gz": "gzip", "b.joblib": "bz2", "x.joblib": "xz", "l.pkl": "lzma"}
    for rel, data in compressed.items():
        found: dict[str, Any] = dict(_artifact(_scan(_write(tmp_path, rel, data)), rel).properties)
        assert found["compression"] == expected[rel]
        assert found["format"] == ("pickle" if rel.endswith((".gz", ".pkl")) else "joblib")
    assert len(_scan(_write(tmp_path, "notes.txt.gz", gzip.compress(b"hello")))) == 0
    assert len(_scan(_write(tmp_path, "data.pkl.gz", gzip.compress(b"just text")))) == 0


def test_negative_controls(tmp_path: Path) -> None:
    assert len(_scan(_write(tmp_path, "model.pkl", b"this is not a pickle.\n"))) == 0
    assert len(_scan(_write(tmp_path, "model2.pkl", b"(just a note)."))) == 0
    assert (
        len(_scan(_write(tmp_path, "random.zip", _zip_bytes({"readme.txt": b"hi", "a/b.csv": b"1,2"})))) == 0
    )
    assert len(_scan(_write(tmp_path, "config.json", json.dumps(PLAIN).encode()))) == 0
    assert len(_scan(_write(tmp_path, "blob.raw", b"\x80\x02" + b"\x11" * 64))) == 0
    assert len(_scan(_write(tmp_path, "empty.pkl", b""))) == 0
    assert not ModelFileAnalyzer().wants(_write(tmp_path, "main.py", b"import torch\n"))


def test_corrupt_zip_with_model_extension_warns(tmp_path: Path) -> None:
    file = _write(tmp_path, "broken.pt", b"PK\x03\x04" + b"\x00" * 40)
    out = _scan(file)
    assert len(out) == 0 and len(out.warnings) == 1
    assert out.warnings[0].source == "model_files" and "cannot be listed" in out.warnings[0].message
    assert len(_scan(_write(tmp_path, "broken.zip", b"PK\x03\x04" + b"\x00" * 40)).warnings) == 0


def test_huge_file_is_not_hashed(tmp_path: Path) -> None:
    path = tmp_path / "big.gguf"
    with path.open("wb") as fh:
        fh.write(b"GGUF" + (3).to_bytes(4, "little"))
        fh.truncate(2 * 1024**3 + 1)  # sparse: nothing is written or read
    file = SourceFile(root=tmp_path, path=path, rel="big.gguf", size=path.stat().st_size, repo_key=REPO)
    props = _artifact(_scan(file), "big.gguf").properties
    assert props["sha256"] is None and "hashing limit" in props["sha256_skipped"]
    assert props["size"] == 2 * 1024**3 + 1


def test_classify_zip_names() -> None:
    assert classify_zip([".data/version", ".data/serialization_id", "x/data/0", "x/version"]) is not None
    assert classify_zip([]) is None
    assert classify_zip(["config.json"]) is None
