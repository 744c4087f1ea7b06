"""The model-file scanner: sniff each file's format by content and run its format scanner.

Nothing scanned is imported, unpickled or executed.  Bad content never raises: it ends up in
``ArtifactScan.error`` (and issues found before the error are kept).

The scanner of a format (and of containers) is imported when the first file needing it is
scanned."""

from __future__ import annotations

import hashlib
import io
import mmap
import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from aispm.artifacts import formats
from aispm.artifacts.context import Budget, Ctx, LimitExceeded, Malformed, Outcome, ScanAbort
from aispm.artifacts.forked import ordered_map
from aispm.artifacts.hashing import FileHasher, sha256_file
from aispm.artifacts.model import DEFAULT_LIMITS, ArtifactScan, Limits
from aispm.artifacts.sniff import (
    HEAD,
    base_name,
    compression_of,
    identify,
    path_parts,
    suffix_of,
    zip_model_kind,
)
from aispm.core.model import Severity

if TYPE_CHECKING:
    import zipfile

    from aispm.artifacts.compressed import DecompressingReader

__all__ = ["identify", "scan_bytes", "scan_file", "scan_tree"]

Handler = Callable[[Any, str, Ctx, Outcome], None]
_R = TypeVar("_R")


# -- public API -----------------------------------------------------------------------------------


def scan_file(
    path: Path,
    *,
    limits: Limits = DEFAULT_LIMITS,
    display_path: str | None = None,
    hasher: FileHasher | None = None,
) -> ArtifactScan:
    """Scan one file (or a TensorFlow SavedModel directory) without loading it.  ``hasher``
    computes the sha256 (a hash cache, hashing ahead); without one the file is hashed here.

    The file is parsed before its digest is asked for, so a hasher's worker thread hashes it
    while it is parsed; a file that cannot be hashed gives the same result as before parsing."""
    shown = display_path or str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            return formats.scan_saved_model_dir(path, shown, _context(limits))
    except OSError as exc:
        return _unreadable(shown, exc)
    size = info.st_size
    ctx = _context(limits)
    out = Outcome()
    name = base_name(shown.replace("\\", "/")) or path.name  # a cache blob goes by its link's name
    fmt: str | None = None
    if size > 0:
        try:
            with path.open("rb") as fh:
                head = fh.read(HEAD)
                fmt = out.format = identify(head, name)
                if fmt is not None and size > limits.max_file_bytes:
                    out.error = f"file of {size:,} bytes is larger than the parsing limit; hashed only"
                elif fmt is not None and len(head) < HEAD and fmt not in _SEEKING:
                    _run(fmt, head, name, ctx, out)  # the whole file was read: no need to map it
                elif fmt is not None:
                    with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                        _run(fmt, buf, name, ctx, out)
        except OSError as exc:
            out.error = f"cannot read: {exc.strerror or exc}"
    try:
        digest = hasher.sha256(path) if hasher is not None else sha256_file(path)
    except OSError as exc:
        return _unreadable(shown, exc)
    if size == 0:
        return ArtifactScan(shown, None, 0, digest, error=None)
    if fmt is None and out.error is None:
        return ArtifactScan(shown, None, size, digest)
    return _result(shown, size, digest, out)


_SEEKING = frozenset({"zip", "tar", "7z"})
"""Formats read through a seekable stream: always memory-mapped, even when small.  The stream
over a map (:class:`_MmapRaw`) clamps a seek before the start where ``io.BytesIO`` raises, and a
corrupt archive must give the same error whatever the file's size."""


def _unreadable(shown: str, exc: OSError) -> ArtifactScan:
    return ArtifactScan(shown, None, 0, None, error=f"cannot read: {exc.strerror or exc}")


def scan_bytes(data: bytes, name: str, *, limits: Limits = DEFAULT_LIMITS) -> ArtifactScan:
    """Scan content already in memory (an archive member, an S3 object)."""
    ctx = _context(limits)
    found = _scan_member(data, name, ctx)
    if found is not None:
        return found
    return ArtifactScan(name, None, len(data), hashlib.sha256(data).hexdigest())


def scan_tree(
    root: Path, *, limits: Limits = DEFAULT_LIMITS, hasher: FileHasher | None = None
) -> Iterator[ArtifactScan]:
    """Every model file below ``root``: files whose content is not a model format are skipped
    after reading their first bytes; a SavedModel directory is one artifact; symlinks are
    followed only when they resolve inside ``root`` (the Hugging Face cache's snapshots → blobs).
    See :func:`map_tree` for how the work is done."""
    return map_tree(root, _scan_only, limits=limits, hasher=hasher)


def _scan_only(_shown: Path, scan: ArtifactScan) -> ArtifactScan:
    return scan


def map_tree(
    root: Path,
    then: Callable[[Path, ArtifactScan], _R],
    *,
    limits: Limits = DEFAULT_LIMITS,
    hasher: FileHasher | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[_R]:
    """``then(path, scan)`` for every model file below ``root`` (as :func:`scan_tree` finds them),
    in walk order; ``path`` is the file as found in the tree (a link, not the blob it points to).

    The model files are found first.  Large files whose digest is not cached are hashed by worker
    threads (of ``hasher``, or of a private :class:`FileHasher`) while the files are parsed one
    after the other.  When nothing is left to hash (``--no-hash``, or the hash cache had every
    digest), the files are shared with a forked helper process
    (:func:`aispm.artifacts.forked.ordered_map`), which also runs ``then``: so ``then`` must only
    compute its result, not change state it expects to see later.  ``meanwhile`` is called once,
    in this process, before the first file is scanned here (with a helper: while it scans)."""
    root = root.resolve()
    entries = [(root, str(root), False)] if root.is_file() else list(_model_entries(root))
    use = hasher if hasher is not None else FileHasher()

    def scan(entry: tuple[Path, str, bool]) -> _R:
        path, shown, _is_dir = entry
        return then(Path(shown), scan_file(path, limits=limits, display_path=shown, hasher=use))

    try:
        use.prefetch(path for path, _shown, is_dir in entries if not is_dir)
        yield from ordered_map(scan, entries, share=use.nothing_to_hash, meanwhile=meanwhile)
    finally:
        if hasher is None:
            use.close()


def _model_entries(root: Path) -> Iterator[tuple[Path, str, bool]]:
    """``(path to scan, path shown, is a SavedModel directory)`` of every model file below the
    resolved ``root``, in walk order.  The walk does not enter linked directories, so a folder it
    is in has no symbolic link in its path: only an entry that is itself a link needs resolving."""
    seen: set[Path] = set()
    for base, dirs, files in os.walk(root, followlinks=False):
        here = Path(base)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in (".git", "__pycache__", "node_modules")
            and (not os.path.islink(os.path.join(base, d)) or _inside(here / d, root))
        )
        if "saved_model.pb" in files:
            yield here, str(here), True
            dirs[:] = []
            continue
        for name in sorted(files):
            entry = here / name
            try:
                mode = os.lstat(entry).st_mode
                if stat.S_ISLNK(mode):
                    real = entry.resolve()
                    if not real.is_relative_to(root) or not real.is_file():
                        continue
                elif stat.S_ISREG(mode):
                    real = entry
                else:
                    continue
            except (OSError, RuntimeError):
                continue
            if real in seen:
                continue
            if _looks_like_model(real, name):  # a blob is recognised under its snapshot name
                seen.add(real)
                yield real, str(entry), False


# -- dispatch -------------------------------------------------------------------------------------


def _context(limits: Limits) -> Ctx:
    return Ctx(Budget.start(limits), 0, _scan_member)


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return False


def _looks_like_model(path: Path, name: str) -> bool:
    try:
        with path.open("rb") as fh:
            return identify(fh.read(HEAD), name) is not None
    except OSError:
        return True  # let scan_file report why it cannot be read


def _result(path: str, size: int, digest: str | None, out: Outcome) -> ArtifactScan:
    return ArtifactScan(
        path=path,
        format=out.format,
        size=size,
        sha256=digest,
        issues=tuple(out.issues),
        error=out.error,
        members=tuple(out.members),
        metadata=out.metadata,
    )


def _run(fmt: str, buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    """Run the scanner of ``fmt``; parse errors and exceeded limits become ``out.error``."""
    try:
        _HANDLERS[fmt](buf, name, ctx, out)
    except LimitExceeded as exc:
        out.error = out.error or str(exc)
        out.add("limit", Severity.MEDIUM, str(exc))
    except ScanAbort as exc:
        out.error = out.error or str(exc)
    except (RecursionError, MemoryError) as exc:
        out.error = out.error or f"{type(exc).__name__}: input too deeply nested or too large"
    except (
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        EOFError,
        OverflowError,
        UnicodeError,
        OSError,
    ) as exc:
        out.error = out.error or f"malformed {fmt}: {type(exc).__name__}: {exc}"
    except Exception as exc:
        if isinstance(exc, NotImplementedError | RuntimeError) or _is_archive_error(exc):
            out.error = out.error or f"unsupported {fmt}: {type(exc).__name__}: {exc}"
        else:  # a scanner bug must not stop the scan of other files
            out.error = out.error or f"internal error scanning {fmt}: {type(exc).__name__}: {exc}"


def _is_archive_error(exc: Exception) -> bool:
    """Whether ``exc`` is a ``zipfile.BadZipFile`` or a ``tarfile.TarError`` (these modules are
    imported only to read an archive, so an error of theirs means they were)."""
    zipfile = sys.modules.get("zipfile")
    tarfile = sys.modules.get("tarfile")
    return (zipfile is not None and isinstance(exc, zipfile.BadZipFile)) or (
        tarfile is not None and isinstance(exc, tarfile.TarError)
    )


def _scan_member(data: bytes, name: str, ctx: Ctx) -> ArtifactScan | None:
    """Scan one member's bytes; None when it is not a model file."""
    fmt = identify(data[:HEAD], name)
    if fmt is None:
        return None
    out = Outcome(format=fmt)
    _run(fmt, data, name, ctx, out)
    return _result(name, len(data), hashlib.sha256(data).hexdigest(), out)


def _member_scan(data: bytes, name: str, ctx: Ctx, out: Outcome) -> None:
    try:
        inner = ctx.deeper()
    except LimitExceeded as exc:
        out.add("limit", Severity.MEDIUM, str(exc), member=name)
        return
    found = _scan_member(data, name, inner)
    if found is not None:
        out.members.append(found)


class _MmapRaw(io.RawIOBase):
    """A read-only, seekable raw file over a memory map (zipfile and tarfile need one)."""

    def __init__(self, buf: mmap.mmap) -> None:
        self._buf = buf
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        chunk = self._buf[self._pos : self._pos + len(target)]
        target[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._buf)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos


def _stream(buf: Any) -> io.BufferedReader | io.BytesIO:
    """A fresh seekable stream over the bytes or memory map ``buf``."""
    if isinstance(buf, mmap.mmap):
        return io.BufferedReader(_MmapRaw(buf))
    return io.BytesIO(buf)


# -- format scanners ------------------------------------------------------------------------------


def _pickle(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    from aispm.artifacts.pickle_scan import scan_pickle_stream

    scan_pickle_stream(_stream(buf), len(buf), ctx.budget, out, depth=ctx.depth)


def _pytorch_legacy(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    out.format = "pytorch_legacy"
    _pickle(buf, name, ctx, out)


def _numpy(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    from aispm.artifacts.numpy_format import scan_npy

    scan_npy(buf, name, ctx, out)


def _compressed(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    from aispm.artifacts.compressed import DecompressingReader
    from aispm.artifacts.pickle_scan import scan_pickle_stream

    data = buf[2:] if bytes(buf[:2]) == b"ZF" else buf
    kind = compression_of(bytes(data[:16]))
    if kind is None:
        raise Malformed("unknown compression")
    out.metadata["compression"] = kind
    reader = DecompressingReader(data, kind, ctx.budget)
    inner_name = name.rsplit(".", 1)[0] if "." in name else name
    head = reader.read(512)
    if head[:1] == b"\x80" or (head and chr(head[0]) in "(c]}"):
        out.format = "joblib" if name.lower().endswith((".joblib", ".z")) or b"joblib" in head else "pickle"
        stream = _Prefixed(head, reader)
        scan_pickle_stream(stream, None, ctx.budget, out, depth=ctx.depth)
        return
    data_all = head + reader.read_all(ctx.budget.limits.max_member_bytes)
    _member_scan(data_all, inner_name, ctx, out)
    out.format = "compressed"


class _Prefixed:
    """A stream that first returns ``head`` then reads from ``rest``."""

    def __init__(self, head: bytes, rest: DecompressingReader) -> None:
        self._head = head
        self._rest = rest

    def read(self, n: int = -1) -> bytes:
        if self._head:
            out, self._head = self._head[:n], self._head[n:]
            return out
        return self._rest.read(n)


def _zip(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    import zipfile

    from aispm.artifacts.archives import zip_members, zip_read

    try:
        archive = zipfile.ZipFile(_stream(buf))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        ValueError,
        EOFError,
        OSError,
    ) as exc:
        raise Malformed(f"zip: {exc}") from None
    with archive:
        members = list(zip_members(archive, ctx.budget, out))
        names = [m.name for m in members]
        kind = zip_model_kind(names)
        if kind is not None and kind[0] == "pytorch":
            out.format = "torchscript" if kind[1].get("variant") == "torchscript" else "pytorch"
            _torch_zip(archive, members, ctx, out)
        elif kind is not None and kind[0] == "keras_v3":
            out.format = "keras_v3"
            for member in members:
                data = zip_read(archive, member, ctx.budget)
                if member.name == "config.json":
                    formats.scan_keras_config_bytes(data, out, member.name)
                elif member.name.endswith(".h5"):
                    continue
                else:
                    _member_scan(data, member.name, ctx, out)
        elif kind is not None and kind[0] == "numpy":
            out.format = "npz"
            for member in members:
                data = zip_read(archive, member, ctx.budget)
                inner = Outcome(format="numpy")
                _run("numpy", data, member.name, ctx, inner)
                out.members.append(_result(member.name, len(data), hashlib.sha256(data).hexdigest(), inner))
        else:
            for member in members:
                head = zip_read(archive, member, ctx.budget, cap=HEAD)
                if identify(head, member.name) is None:
                    continue
                _member_scan(zip_read(archive, member, ctx.budget), member.name, ctx, out)


def _torch_zip(archive: zipfile.ZipFile, members: list[Any], ctx: Ctx, out: Outcome) -> None:
    """Only what ``torch.load`` / ``torch.jit.load`` interprets: the pickles and the code."""
    from aispm.artifacts.archives import zip_read
    from aispm.artifacts.pickle_scan import scan_pickle_bytes
    from aispm.artifacts.torchscript import scan_code

    pickles = 0
    for member in members:
        suffix = suffix_of(member.name)
        if suffix == ".pkl":
            pickles += 1
            data = zip_read(archive, member, ctx.budget)
            scan_pickle_bytes(data, ctx.budget, out, depth=ctx.depth, member=member.name)
        elif suffix == ".py" and "code" in path_parts(member.name)[:-1]:
            data = zip_read(archive, member, ctx.budget)
            scan_code(data.decode("utf-8", "replace"), member.name, out)
    out.metadata["pickle_members"] = pickles


def _tar(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    import tarfile

    from aispm.artifacts.archives import tar_members, tar_read
    from aispm.artifacts.pickle_scan import scan_pickle_bytes

    try:
        archive = tarfile.open(fileobj=_stream(buf), mode="r:")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, ValueError, EOFError, OSError) as exc:
        raise Malformed(f"tar: {exc}") from None
    with archive:
        for member, info in tar_members(archive, ctx.budget, out):
            head = tar_read(archive, info, ctx.budget, cap=HEAD)
            base = base_name(member.name)
            if identify(head, member.name) is None and base not in ("pickle", "sys_info"):
                continue
            data = tar_read(archive, info, ctx.budget)
            if base in ("pickle", "sys_info", "storages", "tensors"):
                out.format = "pytorch_tar" if base == "pickle" else out.format
                scan_pickle_bytes(data, ctx.budget, out, depth=ctx.depth, member=member.name)
                continue
            _member_scan(data, member.name, ctx, out)


def _sevenzip(buf: Any, name: str, ctx: Ctx, out: Outcome) -> None:
    from aispm.artifacts.archives import sevenzip_members

    for member_name, data in sevenzip_members(_stream(buf), ctx.budget, out):
        _member_scan(data, member_name, ctx, out)


_HANDLERS: dict[str, Handler] = {
    "pickle": _pickle,
    "joblib": _pickle,
    "pytorch_legacy": _pytorch_legacy,
    "numpy": _numpy,
    "compressed": _compressed,
    "zip": _zip,
    "tar": _tar,
    "7z": _sevenzip,
    "safetensors": formats.scan_safetensors,
    "gguf": formats.scan_gguf,
    "onnx": formats.scan_onnx,
    "tf_savedmodel": formats.scan_saved_model_pb,
    "keras_h5": formats.scan_keras_h5,
    "hf_config": formats.scan_hf_config,
}
