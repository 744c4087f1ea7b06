"""Build the model-scanner benchmark corpus: benign model files and malicious ones (harmless payloads).

Files go to ``bench/out/model_corpus/{benign,malicious}/``.  Malicious pickles are assembled from raw
opcodes (GLOBAL / STACK_GLOBAL, REDUCE, nested pickles, indirection) and benign ones are written
by the standard pickler from plain data; nothing is ever unpickled, and every payload only runs ``echo`` or
names a reserved ``.invalid`` host.  Run: ``.venv/bin/python bench/model_corpus.py``.

Two corpora: the small one (``--small``: 10 benign and 20 malicious files of a few hundred bytes, in
``bench/out/model_corpus/``) measures mostly start-up; the default one (``bench/out/model_corpus-large/``)
adds real-size benign models (PyTorch state dicts of 50-200 MB written by ``torch.save``, sparse
safetensors, a NumPy array) and ten variants of every malicious file (same technique, different
payload strings), so per-file speed counts too.  The large benign files need torch and NumPy (the
project venv has both).
"""

from __future__ import annotations

import argparse
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
OUT_LARGE = Path(__file__).resolve().parent / "out" / "model_corpus-large"
ECHO = "echo aispm-bench"
VARIANTS = 10
"""Copies of each malicious file in the large corpus (variant 0 is the small corpus's file)."""
MB = 1024 * 1024


def _sfx(n: int) -> str:
    """Suffix that makes payload ``n`` differ from the others (none for variant 0)."""
    return "" if n == 0 else f"-{n}"


def _echo(n: int) -> str:
    return ECHO + _sfx(n)


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


def _getattr_indirection(n: int = 0) -> bytes:
    """builtins.getattr(builtins.__import__('os'), 'system')('echo ...')."""

    def short(s: str) -> bytes:
        b = s.encode()
        return b"\x8c" + bytes([len(b)]) + b

    import_os = short("builtins") + short("__import__") + b"\x93" + short("os") + b"\x85R"
    get_system = short("builtins") + short("getattr") + b"\x93" + import_os + short("system") + b"\x86R"
    return b"\x80\x04" + get_system + short(_echo(n)) + b"\x85R."


def _nested_loads(n: int = 0) -> bytes:
    inner = _raw_global_call("os", "system", _echo(n))
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

MALICIOUS: dict[str, Callable[[int], bytes]] = {
    "os_system_p2.pkl": lambda n: _raw_global_call("os", "system", _echo(n)),
    "posix_system_p0.pkl": lambda n: _raw_global_call("posix", "system", _echo(n), protocol=0),
    "stack_global_exec.pkl": lambda n: _stack_global_call(
        "builtins", "exec", f"print('aispm-bench{_sfx(n)}')"
    ),
    "eval_p4.pkl": lambda n: _stack_global_call("builtins", "eval", f"1+{n + 1}"),
    "subprocess_popen.pkl": lambda n: _stack_global_call("subprocess", "Popen", _echo(n)),
    "getattr_indirection.pkl": _getattr_indirection,
    "nested_loads.pkl": _nested_loads,
    "runpy.pkl": lambda n: _stack_global_call("runpy", "_run_code", f"print({n + 1})"),
    "webbrowser.pkl": lambda n: _stack_global_call(
        "webbrowser", "open", f"http://attacker.invalid/{n or ''}"
    ),
    "torch_zip_os_system.pt": lambda n: _torch_zip(_raw_global_call("os", "system", _echo(n))),
    "torch_dotted_os.pt": lambda n: _torch_zip(_stack_global_call("torch", "os.system", _echo(n))),
    "gzip_pickle.pkl.gz": lambda n: gzip.compress(_raw_global_call("os", "system", _echo(n)), mtime=0),
    "bz2_joblib.joblib.bz2": lambda n: bz2.compress(_raw_global_call("os", "system", _echo(n))),
    "xz_pickle.pkl.xz": lambda n: lzma.compress(_raw_global_call("os", "system", _echo(n))),
    "object_npy.npy": lambda n: _npy("|O", _raw_global_call("os", "system", _echo(n))),
    "zip_of_pickle.zip": lambda n: _zip({"inner/model.pkl": _raw_global_call("os", "system", _echo(n))}),
    "tar_of_pickle.tar": lambda n: _tar("model.pkl", _raw_global_call("os", "system", _echo(n))),
    "socket_p2.pkl": lambda n: _raw_global_call(
        "socket", "create_connection", f"c{n}.attacker.invalid" if n else "attacker.invalid"
    ),
    "shutil_rmtree.pkl": lambda n: _raw_global_call("shutil", "rmtree", f"/nonexistent-aispm{_sfx(n)}"),
    "importlib_import.pkl": lambda n: _stack_global_call("importlib", "import_module", "os"),
}


def _torch_checkpoint(path: Path, megabytes: int, seed: int) -> None:
    """A real ``torch.save`` state dict of about ``megabytes`` MB: linear layers of random float32
    weights (as a trained model would have, not zeros)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    width = 1024
    layers = max(1, megabytes * MB // (width * width * 4))
    state = {}
    for i in range(layers):
        state[f"layers.{i}.weight"] = torch.randn(width, width, generator=generator)
        state[f"layers.{i}.bias"] = torch.zeros(width)
    torch.save(state, path)


def _large_safetensors(path: Path, megabytes: int) -> None:
    """A safetensors file of ``megabytes`` MB: a real header, zero-filled (sparse) tensor data."""
    tensors: dict[str, object] = {}
    offset = 0
    per_tensor = 16 * MB
    for i in range(max(1, megabytes * MB // per_tensor)):
        rows = per_tensor // (1024 * 2)
        tensors[f"model.layers.{i}.mlp.weight"] = {
            "dtype": "BF16",
            "shape": [rows, 1024],
            "data_offsets": [offset, offset + per_tensor],
        }
        offset += per_tensor
    tensors["__metadata__"] = {"format": "pt"}
    header = json.dumps(tensors).encode()
    header += b" " * (-len(header) % 8)
    with path.open("wb") as fh:
        fh.write(struct.pack("<Q", len(header)) + header)
        fh.truncate(8 + len(header) + offset)


def _large_npy(path: Path, megabytes: int) -> None:
    import numpy

    numpy.save(path, numpy.random.default_rng(7).standard_normal(megabytes * MB // 8))


LARGE_BENIGN: dict[str, Callable[[Path], None]] = {
    "encoder-50mb.pt": lambda p: _torch_checkpoint(p, 50, 1),
    "decoder-100mb.pt": lambda p: _torch_checkpoint(p, 100, 2),
    "classifier-200mb.bin": lambda p: _torch_checkpoint(p, 200, 3),
    "model-100mb.safetensors": lambda p: _large_safetensors(p, 100),
    "model-00001-of-00002-200mb.safetensors": lambda p: _large_safetensors(p, 200),
    "embeddings-64mb.npy": lambda p: _large_npy(p, 64),
}


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` unless the file already holds exactly it (an unchanged file keeps its times,
    so a scanner's cache of unchanged files sees it as unchanged)."""
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    path.write_bytes(data)


def build(out: Path = OUT, *, small: bool = True) -> dict[str, list[Path]]:
    """Write the corpus; returns the files by label (``benign``, ``malicious``).  ``small=False``
    writes the large corpus (large benign models and ``VARIANTS`` copies of each malicious file);
    its large files are kept between runs."""
    made: dict[str, list[Path]] = {"benign": [], "malicious": []}
    benign = out / "benign"
    malicious = out / "malicious"
    benign.mkdir(parents=True, exist_ok=True)
    malicious.mkdir(parents=True, exist_ok=True)
    for name, make in BENIGN.items():
        path = benign / name
        _write(path, make())
        made["benign"].append(path)
    for variant in range(1 if small else VARIANTS):
        for name, attack in MALICIOUS.items():
            path = malicious / (name if variant == 0 else f"v{variant}-{name}")
            _write(path, attack(variant))
            made["malicious"].append(path)
    if not small:
        for name, write in LARGE_BENIGN.items():
            path = benign / name
            if not path.exists():
                write(path)
            made["benign"].append(path)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--small", action="store_true", help="only the 30 small files (the old corpus)")
    args = parser.parse_args()
    out = OUT if args.small else OUT_LARGE
    files = build(out, small=args.small)
    size = sum(p.stat().st_size for paths in files.values() for p in paths)
    print(
        f"{len(files['benign'])} benign and {len(files['malicious'])} malicious files "
        f"({size / MB:,.0f} MB) in {out}"
    )


if __name__ == "__main__":
    main()
