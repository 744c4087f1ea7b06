"""Members of zip, tar and 7z containers, read in memory with caps: never extracted to disk.

Sizes are checked from the headers before anything is read (member size, compression ratio,
total uncompressed bytes) and again while reading, since headers can lie."""

from __future__ import annotations

import io
import lzma
import posixpath
import stat
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, NamedTuple

from aispm.artifacts.context import Budget, LimitExceeded, Malformed, Outcome
from aispm.core.model import Severity

if TYPE_CHECKING:
    import tarfile  # imported by the functions that read a tar (the caller opened it already)

_RATIO_MIN_SIZE = 1024 * 1024
"""Compression ratios are only judged for members at least this large."""


class Member(NamedTuple):
    """A regular file inside a container."""

    name: str
    size: int
    compressed: int | None


def unsafe_name(name: str) -> str | None:
    """Why a member name would escape the extraction directory, or None."""
    cleaned = name.replace("\\", "/")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        return "absolute path"
    if ".." in cleaned.split("/"):
        return "parent-directory component"
    if posixpath.normpath(cleaned).startswith(".."):
        return "escapes the extraction directory"
    return None


def _check_member(member: Member, budget: Budget, out: Outcome) -> bool:
    """Whether ``member`` may be read; a refusal becomes a ``limit`` issue."""
    limits = budget.limits
    if member.size > limits.max_member_bytes:
        out.add("limit", Severity.MEDIUM, f"member of {member.size:,} bytes not read", member=member.name)
        return False
    if (
        member.compressed is not None
        and member.size >= _RATIO_MIN_SIZE
        and member.size > limits.max_compression_ratio * max(member.compressed, 1)
    ):
        out.add(
            "limit",
            Severity.HIGH,
            f"compression ratio {member.size / max(member.compressed, 1):,.0f}:1 (zip bomb guard); not read",
            member=member.name,
        )
        return False
    if budget.uncompressed + member.size > limits.max_total_uncompressed:
        raise LimitExceeded(f"more than {limits.max_total_uncompressed:,} uncompressed bytes in one file")
    return True


def read_capped(stream: IO[bytes], declared: int, budget: Budget, cap: int | None = None) -> bytes:
    """Read at most ``cap`` (default: the declared size) bytes; more data than declared is a lie."""
    want = declared if cap is None else min(cap, declared)
    chunks: list[bytes] = []
    got = 0
    while got < want:
        chunk = stream.read(min(1024 * 1024, want - got))
        if not chunk:
            break
        got += len(chunk)
        budget.consume(len(chunk))
        budget.check_time()
        chunks.append(chunk)
    return b"".join(chunks)


# -- zip ------------------------------------------------------------------------------------------


def zip_members(archive: zipfile.ZipFile, budget: Budget, out: Outcome) -> Iterator[Member]:
    """Regular members of a zip; traversal names and symlinks become issues, not members."""
    infos = archive.infolist()
    if len(infos) > budget.limits.max_members:
        raise LimitExceeded(f"{len(infos):,} members (limit {budget.limits.max_members:,})")
    for info in infos:
        name = info.filename
        reason = unsafe_name(name)
        if reason:
            out.add("path_traversal", Severity.HIGH, f"member name {name!r}: {reason}", member=name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            target = read_capped(archive.open(info), min(info.file_size, 4096), budget).decode(
                "utf-8", "replace"
            )
            out.add("symlink", Severity.HIGH, f"symbolic link {name!r} -> {target!r}", member=name)
            continue
        if info.is_dir():
            continue
        member = Member(name, info.file_size, info.compress_size)
        if _check_member(member, budget, out):
            yield member


def zip_read(archive: zipfile.ZipFile, member: Member, budget: Budget, cap: int | None = None) -> bytes:
    try:
        with archive.open(member.name) as stream:
            return read_capped(stream, member.size, budget, cap)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        RuntimeError,
        EOFError,
        zlib.error,  # a corrupt deflate stream
        lzma.LZMAError,
    ) as exc:
        raise Malformed(f"{member.name}: {exc}") from None
    except OSError as exc:
        raise Malformed(f"{member.name}: {exc}") from None


# -- tar ------------------------------------------------------------------------------------------


def tar_members(
    archive: tarfile.TarFile, budget: Budget, out: Outcome
) -> Iterator[tuple[Member, tarfile.TarInfo]]:
    """Regular members of a tar (headers are read one by one, never all at once)."""
    import tarfile

    count = 0
    while True:
        try:
            info = archive.next()
        except tarfile.TarError as exc:
            raise Malformed(f"tar: {exc}") from None
        if info is None:
            return
        count += 1
        if count > budget.limits.max_members:
            raise LimitExceeded(f"more than {budget.limits.max_members:,} members")
        budget.check_time()
        reason = unsafe_name(info.name)
        if reason:
            out.add("path_traversal", Severity.HIGH, f"member name {info.name!r}: {reason}", member=info.name)
        if info.issym() or info.islnk():
            kind = "symbolic" if info.issym() else "hard"
            link_reason = unsafe_name(posixpath.join(posixpath.dirname(info.name), info.linkname))
            detail = f"{kind} link {info.name!r} -> {info.linkname!r}"
            if link_reason or info.linkname.startswith("/"):
                detail += " (points outside the archive)"
            out.add("symlink", Severity.HIGH, detail, member=info.name)
            continue
        if info.isdev() or info.isfifo():
            out.add(
                "path_traversal", Severity.MEDIUM, f"device or fifo member {info.name!r}", member=info.name
            )
            continue
        if not info.isfile():
            continue
        member = Member(info.name, info.size, None)
        if _check_member(member, budget, out):
            yield member, info


def tar_read(
    archive: tarfile.TarFile, info: tarfile.TarInfo, budget: Budget, cap: int | None = None
) -> bytes:
    import tarfile

    stream = archive.extractfile(info)
    if stream is None:
        return b""
    try:
        return read_capped(stream, info.size, budget, cap)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise Malformed(f"{info.name}: {exc}") from None


# -- 7z -------------------------------------------------------------------------------------------


def sevenzip_members(data: IO[bytes], budget: Budget, out: Outcome) -> Iterator[tuple[str, bytes]]:
    """Members of a 7z archive, decompressed in memory (py7zr) within the caps."""
    try:
        import py7zr
        import py7zr.io
    except ImportError:  # pragma: no cover - py7zr is a dependency
        raise Malformed("7z archives need the py7zr package, which is not installed") from None
    try:
        with py7zr.SevenZipFile(data, mode="r") as archive:
            if archive.needs_password():
                raise Malformed("7z archive is encrypted; members not scanned")
            infos = archive.list()
            if len(infos) > budget.limits.max_members:
                raise LimitExceeded(f"{len(infos):,} members (limit {budget.limits.max_members:,})")
            wanted: list[str] = []
            for info in infos:
                name = info.filename
                reason = unsafe_name(name)
                if reason:
                    out.add("path_traversal", Severity.HIGH, f"member name {name!r}: {reason}", member=name)
                if info.is_symlink:
                    out.add("symlink", Severity.HIGH, f"symbolic link {name!r}", member=name)
                    continue
                if info.is_directory:
                    continue
                member = Member(name, int(info.uncompressed or 0), None)
                if _check_member(member, budget, out):
                    budget.consume(member.size)
                    wanted.append(name)
            if not wanted:
                return
            factory = py7zr.io.BytesIOFactory(budget.limits.max_member_bytes)
            archive.extract(targets=wanted, factory=factory)
            products = dict(factory.products)
    except (LimitExceeded, Malformed):
        raise
    except Exception as exc:  # py7zr raises many kinds for hostile input
        raise Malformed(f"7z: {type(exc).__name__}: {exc}") from None
    for name, product in products.items():
        product.seek(0)
        yield name, product.read()


def as_stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
