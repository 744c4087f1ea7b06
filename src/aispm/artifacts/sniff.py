"""Format sniffing from a file's first bytes (and its name only where content cannot tell)."""

from __future__ import annotations

import zlib
from functools import cache
from typing import Any

from aispm.data import load_yaml

HEAD = 65536
"""How many first bytes :func:`identify` looks at."""
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
SEVENZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
NUMPY_MAGIC = b"\x93NUMPY"
TORCH_LEGACY_MAGIC = bytes.fromhex("80028a0a6cfc9c46f9206aa85019")
_TEXT_PICKLE_START = frozenset(b"(c]})ILSVNFJKMUXi")


def path_parts(path: str) -> list[str]:
    """The components of a ``/``-separated path, as ``PurePosixPath(path).parts`` has them
    (without the root): no empty or ``.`` components."""
    return [part for part in path.split("/") if part and part != "."]


def base_name(path: str) -> str:
    """``PurePosixPath(path).name``: the last component of a ``/``-separated path."""
    parts = path_parts(path)
    return parts[-1] if parts else ""


def suffix_of(path: str) -> str:
    """``PurePosixPath(path).suffix``: the last component's extension (``.pkl``) or ``""``."""
    name = base_name(path)
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


@cache
def formats_config() -> dict[str, Any]:
    """``data/artifact_formats.yaml``."""
    data: dict[str, Any] = load_yaml("artifact_formats.yaml")
    return data


@cache
def _compressed_magics() -> tuple[tuple[str, tuple[bytes, ...]], ...]:
    return tuple(
        (str(kind), tuple(bytes.fromhex(m) for m in magics))
        for kind, magics in formats_config()["compressed_magic"].items()
    )


def compression_of(head: bytes) -> str | None:
    """The compressor whose magic number ``head`` starts with."""
    for kind, magics in _compressed_magics():
        if head.startswith(magics):
            return kind
    return None


def decompress_head(head: bytes, kind: str, want: int = 512) -> bytes:
    """The first decompressed bytes of ``head`` (bounded output; empty when not decodable).  The
    bz2 and lzma modules are imported when a file of theirs is met."""
    try:
        if kind in ("gzip", "zlib"):
            return zlib.decompressobj(wbits=47).decompress(head, want)
        if kind == "bz2":
            import bz2

            return bz2.BZ2Decompressor().decompress(head, want)
        if kind in ("xz", "lzma"):
            import lzma

            try:
                return lzma.LZMADecompressor().decompress(head, want)
            except lzma.LZMAError:
                return b""
        if kind == "lz4":
            import lz4.frame

            return bytes(lz4.frame.LZ4FrameDecompressor().decompress(head, want))
    except (zlib.error, OSError, EOFError, ValueError, RuntimeError):
        return b""
    return b""


def is_pickle_head(head: bytes, name: str) -> bool:
    """Protocol 2-5 pickles by their PROTO opcode; text pickles (0/1) only under a pickle name."""
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    suffix = suffix_of(name).lower()
    if (
        suffix not in formats_config()["pickle_text_extensions"]
        or not head
        or head[0] not in _TEXT_PICKLE_START
    ):
        return False
    return b"\n" in head[:512] or head.rstrip().endswith(b".")


def _safetensors_head(head: bytes) -> bool:
    if len(head) < 10 or head[8:9] != b"{":
        return False
    length = int.from_bytes(head[:8], "little")
    return length >= 2 and head[9:10] in (b'"', b"}", b" ", b"\n")


def _onnx_head(head: bytes) -> bool:
    """ModelProto: field 1 (ir_version) as a small varint, then another ModelProto field."""
    return (
        len(head) >= 3
        and head[0] == 0x08
        and 1 <= head[1] <= 32
        and head[2] in (0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42)
    )


def zip_model_kind(names: list[str]) -> tuple[str, dict[str, Any]] | None:
    """The model format of a zip archive from the names of its entries: ``("pytorch",
    {"variant": "zip" | "torchscript"})``, ``("keras_v3", {})``, ``("numpy", {"variant": "npz",
    ...})`` or None."""
    base = {n.rsplit("/", 1)[-1] for n in names}
    torchscript = "constants.pkl" in base or any(n.startswith("code/") or "/code/" in n for n in names)
    if "data.pkl" in base or (
        "version" in base and any(n.startswith(".data/") or "/.data/" in n or "/data/" in n for n in names)
    ):
        return "pytorch", {"variant": "torchscript" if torchscript else "zip"}
    if torchscript and "version" in base:
        return "pytorch", {"variant": "torchscript"}
    if "config.json" in names and ("model.weights.h5" in names or "metadata.json" in names):
        return "keras_v3", {}
    if names and all(n.endswith(".npy") for n in names):
        return "numpy", {"variant": "npz", "object_dtype": None}
    return None


def identify(head: bytes, name: str) -> str | None:
    """The format of a file from its first bytes: ``pickle``, ``pytorch_legacy``, ``joblib``,
    ``numpy``, ``zip`` (refined by the scanner into ``pytorch``, ``keras_v3``, ``npz`` ...),
    ``tar``, ``7z``, ``keras_h5``, ``tf_savedmodel``, ``onnx``, ``gguf``, ``safetensors``,
    ``hf_config``, ``compressed`` or None."""
    lower = base_name(name).lower()
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(SEVENZIP_MAGIC):
        return "7z"
    if head[257:262] == b"ustar":
        return "tar"
    if head.startswith(b"GGUF"):
        return "gguf"
    if head.startswith(HDF5_MAGIC):
        return "keras_h5"
    if head.startswith(NUMPY_MAGIC):
        return "numpy"
    if lower == "saved_model.pb":
        return "tf_savedmodel"
    if head.startswith(TORCH_LEGACY_MAGIC):
        return "pytorch_legacy"
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "joblib" if b"joblib.numpy_pickle" in head[:4096] else "pickle"
    if _safetensors_head(head):
        return "safetensors"
    if lower in formats_config()["hf_config_names"] and head.lstrip()[:1] == b"{":
        return "hf_config"
    if _onnx_head(head):
        return "onnx"
    kind = compression_of(head.removeprefix(b"ZF"))
    if kind is not None:
        inner = decompress_head(head.removeprefix(b"ZF"), kind)
        if inner[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05") or inner[257:262] == b"ustar":
            return "compressed"
        if is_pickle_head(inner, name) or is_pickle_head(inner, name.rsplit(".", 1)[0]):
            return "compressed"
        return None
    if is_pickle_head(head, name):
        return "pickle"
    return None
