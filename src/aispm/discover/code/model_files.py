"""Model-file analyzer: model artifacts recognised by their bytes, not by their names.

Formats and the heuristics that tell them apart are described in ``data/model_formats.yaml``.
Nothing is loaded: pickles are at most disassembled (``pickletools.genops``), zip archives are
only listed (central directory), compressed streams are decompressed a few bytes at a time with
a bound on the output, and files are hashed in chunks.
"""

from __future__ import annotations

import bz2
import io
import json
import lzma
import os
import pickletools
import re
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from aispm.artifacts.sniff import zip_model_kind
from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, Location, RelationKind
from aispm.data import load_yaml
from aispm.discover.code.base import SourceFile

_SNIFF = 65536
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_NUMPY_MAGIC = b"\x93NUMPY"
_SAVED_MODEL_NAMES = ("saved_model.pb", "saved_model.pbtxt")
_ONNX_FIELDS = {1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2}
"""ModelProto field number -> protobuf wire type (0 varint, 2 length-delimited)."""
_MAX_DIR_FILES = 100_000


@dataclass(frozen=True, slots=True)
class _Config:
    extensions: dict[str, frozenset[str]]
    pickle_text_extensions: frozenset[str]
    compressed_extensions: frozenset[str]
    compression_suffixes: frozenset[str]
    pickle_text_first_bytes: frozenset[int]
    compressed_magic: tuple[tuple[str, bytes], ...]
    torch_legacy_magic: bytes
    max_hash_bytes: int
    safetensors_max_header: int
    safetensors_parse_header: int

    @property
    def pickle_extensions(self) -> frozenset[str]:
        return self.extensions["pickle"] | self.extensions["pytorch"] | self.extensions["joblib"]


@cache
def _config() -> _Config:
    data: dict[str, Any] = load_yaml("model_formats.yaml")
    return _Config(
        extensions={k: frozenset(v) for k, v in data["extensions"].items()},
        pickle_text_extensions=frozenset(data["pickle_text_extensions"]),
        compressed_extensions=frozenset(data["compressed_extensions"]),
        compression_suffixes=frozenset(data["compression_suffixes"]),
        pickle_text_first_bytes=frozenset(str(data["pickle_text_first_bytes"]).encode()),
        compressed_magic=tuple(
            (kind, bytes.fromhex(magic))
            for kind, magics in data["compressed_magic"].items()
            for magic in magics
        ),
        torch_legacy_magic=bytes.fromhex(data["torch_legacy_magic"]),
        max_hash_bytes=int(data["max_hash_bytes"]),
        safetensors_max_header=int(data["safetensors_max_header"]),
        safetensors_parse_header=int(data["safetensors_parse_header"]),
    )


@dataclass(frozen=True, slots=True)
class Identified:
    """What a file was recognised as."""

    format: str
    extra: dict[str, Any] = field(default_factory=dict)
    """Format-specific properties (``variant``, ``pickle_protocol`` …)."""


class ModelFileAnalyzer:
    """Finds model files (pickle, PyTorch, safetensors, ONNX, GGUF, Keras, SavedModel …)."""

    name = "model_files"

    def wants(self, file: SourceFile) -> bool:
        if file.name in _SAVED_MODEL_NAMES:
            return True
        return _candidate(file, file.head()[:16])

    def analyze(self, file: SourceFile, out: Inventory) -> None:
        try:
            found = identify(file)
        except OSError as exc:
            out.warn(self.name, f"cannot read: {exc.strerror or exc}", file.location())
            return
        except ArchiveError as exc:
            out.warn(self.name, str(exc), file.location())
            return
        if found is None:
            return
        if found.format == "tf_savedmodel":
            self._saved_model(file, found, out)
        else:
            self._add(file, file.rel, file.size, file.path, found, file.suffix, out)

    def _saved_model(self, file: SourceFile, found: Identified, out: Inventory) -> None:
        rel = file.rel.rsplit("/", 1)[0] if "/" in file.rel else "."
        size = _directory_size(file.path.parent)
        extra = {**found.extra, "hashed_file": file.name}
        self._add(file, rel, size, file.path, Identified(found.format, extra), file.suffix, out)

    def _add(
        self,
        file: SourceFile,
        rel: str,
        size: int,
        hashed: Path,
        found: Identified,
        suffix: str,
        out: Inventory,
    ) -> None:
        props: dict[str, Any] = {
            "format": found.format,
            "size": size,
            "sha256": None,
            "extension_matches": suffix in _config().extensions[found.format],
        }
        from aispm.artifacts import scan_file  # here: the scanner imports this module's sniffing
        from aispm.artifacts.hashing import sha256_file
        from aispm.artifacts.model import ArtifactScan
        from aispm.artifacts.provenance import read_provenance

        hashed_size = hashed.stat().st_size
        scan: ArtifactScan | None = None
        if hashed_size > _config().max_hash_bytes:
            scan = ArtifactScan(
                file.rel, found.format, hashed_size, None, error="larger than the hashing limit"
            )
        else:
            try:
                scan = scan_file(hashed, display_path=file.rel)  # the model-file scanner; never loads it
            except Exception as exc:  # a scanner bug must not end the repository scan
                out.warn(self.name, f"model scanner failed: {type(exc).__name__}: {exc}", file.location())
        if scan is not None and scan.sha256 is not None:
            props["sha256"] = scan.sha256
        elif hashed_size > _config().max_hash_bytes:
            props["sha256_skipped"] = f"file is {hashed_size:,} bytes, larger than the hashing limit"
        else:
            props["sha256"] = sha256_file(hashed)
        props.update(found.extra)
        if scan is not None:
            props["scan"] = scan.to_json()
        props["provenance"] = read_provenance(hashed).to_json()
        artifact_id = urn("code", "model_artifact", file.repo_key, rel)
        out.add(
            Asset(
                id=artifact_id,
                kind=AssetKind.MODEL_ARTIFACT,
                name=rel,
                provider="local",
                location=Location(path=rel),
                properties=props,
                source="code",
            )
        )
        out.relate(file.repo_id, RelationKind.CONTAINS, artifact_id)


class ArchiveError(Exception):
    """A file that looks like a model archive cannot be listed (message for a warning)."""


# -- cheap pre-check ------------------------------------------------------------------------------


def _candidate(file: SourceFile, head: bytes) -> bool:
    """Whether the first 16 bytes (and the suffix) may belong to a model file."""
    config = _config()
    suffix = file.suffix
    if head.startswith((*_ZIP_MAGIC, b"GGUF", _HDF5_MAGIC, _NUMPY_MAGIC)):
        return True
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    if _safetensors_prefix(head, file.size):
        return True
    if _onnx_prefix(head):
        return True
    if suffix in config.pickle_text_extensions and head[:1] and head[0] in config.pickle_text_first_bytes:
        return True
    if _compressed_candidate(file) and any(head.startswith(m) for _, m in config.compressed_magic):
        return True
    return suffix in (".tar", ".pt", ".pth")  # legacy PyTorch tar: "ustar" at offset 257


def _compressed_candidate(file: SourceFile) -> bool:
    config = _config()
    if file.suffix in config.compressed_extensions:
        return True
    inner = Path(file.name[: -len(file.suffix)]).suffix.lower() if file.suffix else ""
    return file.suffix in config.compression_suffixes and inner in config.compressed_extensions


def _safetensors_prefix(head: bytes, size: int) -> bool:
    if len(head) < 9 or head[8:9] != b"{":
        return False
    length = int.from_bytes(head[:8], "little")
    return 2 <= length <= min(size - 8, _config().safetensors_max_header)


def _onnx_prefix(head: bytes) -> bool:
    """Field 1 (ir_version) as a small varint, then the tag of another ModelProto field."""
    return (
        len(head) >= 3
        and head[0] == 0x08
        and 1 <= head[1] <= 32
        and head[2] in (0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A)
    )


# -- identification ------------------------------------------------------------------------------


def identify(file: SourceFile) -> Identified | None:
    """The model format of ``file`` judged by its content, or ``None``."""
    if file.name in _SAVED_MODEL_NAMES:
        return _saved_model_file(file)
    head = file.head(_SNIFF)
    checks: tuple[Callable[[SourceFile, bytes], Identified | None], ...] = (
        _simple_magic,
        _safetensors,
        _zip,
        _pickle,
        _onnx,
        _compressed_pickle,
        _torch_tar,
    )
    for check in checks:
        found = check(file, head)
        if found is not None:
            return found
    return None


def _simple_magic(file: SourceFile, head: bytes) -> Identified | None:
    if head.startswith(b"GGUF") and len(head) >= 8:
        version = int.from_bytes(head[4:8], "little")
        return Identified("gguf", {"gguf_version": version}) if 1 <= version <= 3 else None
    if head.startswith(_HDF5_MAGIC):
        keras_like = (
            file.suffix in _config().extensions["keras_h5"] or b"keras" in head or b"model_config" in head
        )
        return Identified("keras_h5") if keras_like else None
    if head.startswith(_NUMPY_MAGIC) and len(head) >= 10 and 1 <= head[6] <= 3:
        size_bytes = 2 if head[6] == 1 else 4
        header_len = int.from_bytes(head[8 : 8 + size_bytes], "little")
        header = head[8 + size_bytes : 8 + size_bytes + header_len]
        object_dtype = re.search(rb"""['"]descr['"]\s*:\s*['"][|<>=]?O""", header) is not None
        return Identified("numpy", {"variant": "npy", "object_dtype": object_dtype})
    return None


def _zip(file: SourceFile, head: bytes) -> Identified | None:
    if not head.startswith(_ZIP_MAGIC):
        return None
    try:
        with zipfile.ZipFile(file.path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as exc:
        if file.suffix in _config().pickle_extensions | _config().extensions["keras_v3"]:
            raise ArchiveError(f"looks like a zip model archive but cannot be listed: {exc}") from None
        return None
    return classify_zip(names)


def classify_zip(names: list[str]) -> Identified | None:
    """The model format of a zip archive from the names of its entries."""
    kind = zip_model_kind(names)
    return None if kind is None else Identified(kind[0], kind[1])


def _pickle(file: SourceFile, head: bytes) -> Identified | None:
    config = _config()
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        protocol = head[1]
        if head.startswith(config.torch_legacy_magic):
            return Identified("pytorch", {"variant": "legacy", "pickle_protocol": protocol})
        # joblib.dump writes numpy arrays through joblib's wrapper; other objects are a plain
        # pickle, which the .joblib name then tells apart
        joblib = b"joblib.numpy_pickle" in head or file.suffix == ".joblib"
        if joblib or _last_byte(file) == b"." or file.suffix in config.pickle_extensions:
            return Identified("joblib" if joblib else "pickle", {"pickle_protocol": protocol})
        return None
    if (
        file.suffix in config.pickle_text_extensions
        and head[:1]
        and head[0] in config.pickle_text_first_bytes
        and _last_byte(file) == b"."
    ):
        text_protocol = _text_pickle_protocol(head, complete=file.size <= len(head))
        return Identified("pickle", {"pickle_protocol": text_protocol}) if text_protocol is not None else None
    return None


def _text_pickle_protocol(data: bytes, complete: bool) -> int | None:
    """The protocol (0 or 1) of the opcodes ``data`` disassembles to, or ``None`` when it does not
    disassemble (nothing is executed or imported).

    A complete file must end exactly with its STOP opcode; the head of a larger file must give
    at least 16 opcodes before it is cut off.
    """
    count = 0
    protocol = 0
    try:
        for opcode, _arg, position in pickletools.genops(io.BytesIO(data)):
            count += 1
            protocol = max(protocol, opcode.proto)
            if opcode.name == "STOP":
                ok = not complete or position == len(data) - 1
                return protocol if ok and protocol <= 1 else None
    except (ValueError, KeyError, IndexError, OverflowError, UnicodeDecodeError, EOFError):
        pass
    return protocol if not complete and count >= 16 and protocol <= 1 else None


def _safetensors(file: SourceFile, head: bytes) -> Identified | None:
    if not _safetensors_prefix(head, file.size):
        return None
    length = int.from_bytes(head[:8], "little")
    if length > _config().safetensors_parse_header:
        return Identified("safetensors", {"header_checked": False})
    header = _read(file.path, 8, length)
    try:
        doc = json.loads(header)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or not all(
        isinstance(v, dict) and (k == "__metadata__" or "dtype" in v or "data_offsets" in v)
        for k, v in doc.items()
    ):
        return None
    return Identified("safetensors", {"tensors": sum(1 for k in doc if k != "__metadata__")})


def _onnx(file: SourceFile, head: bytes) -> Identified | None:
    if not _onnx_prefix(head):
        return None
    fields = _protobuf_fields(file.path, file.size, stop_at=7)
    if fields is None or 7 not in fields:
        return None
    if file.suffix not in _config().extensions["onnx"]:
        producer = fields.get(2)
        if (
            not isinstance(producer, bytes)
            or not producer
            or not producer.isascii()
            or not producer.decode("ascii").isprintable()
        ):
            return None
    return Identified("onnx", {"ir_version": fields.get(1)})


def _protobuf_fields(path: Path, size: int, stop_at: int) -> dict[int, int | bytes] | None:
    """Top-level fields of an ONNX ModelProto up to field ``stop_at`` (short strings kept,
    longer values skipped by seeking), or ``None`` when the bytes are not such a message."""
    fields: dict[int, int | bytes] = {}
    with path.open("rb") as fh:
        for _ in range(64):
            tag = _varint(fh)
            if tag is None:
                return fields
            number, wire = tag >> 3, tag & 7
            if _ONNX_FIELDS.get(number) != wire or (not fields and number != 1):
                return None
            value = _varint(fh)
            if value is None:
                return None
            if number == 1 and not 1 <= value <= 32:
                return None
            if wire == 0:
                fields[number] = value
            else:
                if fh.tell() + value > size:
                    return None
                if value <= 256 and number != stop_at:
                    fields[number] = fh.read(value)
                else:
                    fields[number] = b""
                    fh.seek(value, os.SEEK_CUR)
            if number == stop_at:
                return fields
    return fields


def _varint(fh: io.BufferedReader) -> int | None:
    result = 0
    for shift in range(0, 70, 7):
        byte = fh.read(1)
        if not byte:
            return None
        result |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return result
    return None


def _compressed_pickle(file: SourceFile, head: bytes) -> Identified | None:
    config = _config()
    if not _compressed_candidate(file):
        return None
    kind = next((k for k, magic in config.compressed_magic if head.startswith(magic)), None)
    if kind is None:
        return None
    start = _decompress_head(file.path, kind)
    if len(start) < 2 or start[0] != 0x80 or not 2 <= start[1] <= 5:
        return None
    joblib = file.suffix in (".joblib", ".z") or b"joblib" in start
    return Identified("joblib" if joblib else "pickle", {"compression": kind, "pickle_protocol": start[1]})


def _decompress_head(path: Path, kind: str, want: int = 256, max_input: int = 4 * 1024 * 1024) -> bytes:
    """The first ``want`` decompressed bytes (input and output both bounded)."""
    decompressor: Any
    if kind in ("zlib", "gzip"):
        decompressor = zlib.decompressobj(wbits=47)  # zlib or gzip header, detected
    elif kind == "bz2":
        decompressor = bz2.BZ2Decompressor()
    else:
        decompressor = lzma.LZMADecompressor()
    output = b""
    try:
        with path.open("rb") as fh:
            while len(output) < want and fh.tell() < max_input:
                chunk = fh.read(65536)
                if not chunk:
                    break
                output += decompressor.decompress(chunk, want - len(output))
    except (zlib.error, OSError, lzma.LZMAError, EOFError, ValueError):
        return output
    return output


def _torch_tar(file: SourceFile, head: bytes) -> Identified | None:
    if file.suffix not in _config().extensions["pytorch"] or head[257:262] != b"ustar":
        return None
    names: set[str] = set()
    try:
        with tarfile.open(file.path, mode="r:") as archive:
            for count, member in enumerate(archive):
                names.add(member.name.rsplit("/", 1)[-1])
                if count >= 16:  # torch writes its members first
                    break
    except (tarfile.TarError, EOFError, ValueError):
        return None
    if {"storages", "tensors", "pickle"} <= names:
        return Identified("pytorch", {"variant": "tar"})
    return None


def _saved_model_file(file: SourceFile) -> Identified | None:
    head = file.head(_SNIFF)
    if file.name == "saved_model.pb":
        return Identified("tf_savedmodel") if head[:1] in (b"\x08", b"\x12") else None
    return Identified("tf_savedmodel") if b"meta_graphs" in head else None


# -- file helpers --------------------------------------------------------------------------------


def _last_byte(file: SourceFile) -> bytes:
    if file.size <= 0:
        return b""
    return _read(file.path, file.size - 1, 1)


def _read(path: Path, offset: int, size: int) -> bytes:
    with path.open("rb") as fh:
        fh.seek(offset)
        return fh.read(size)


def _directory_size(directory: Path) -> int:
    """Total size of the regular files below ``directory`` (symlinks not followed; bounded)."""
    total = 0
    seen = 0
    for base, _dirs, files in os.walk(directory, followlinks=False):
        for name in files:
            seen += 1
            if seen > _MAX_DIR_FILES:
                return total
            try:
                st = os.lstat(os.path.join(base, name))
            except OSError:
                continue
            if not os.path.islink(os.path.join(base, name)):
                total += st.st_size
    return total
