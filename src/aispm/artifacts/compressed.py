"""Streaming decompression (gzip, zlib, bz2, xz/lzma, lz4) with output caps and a ratio guard."""

from __future__ import annotations

import bz2
import lzma
import zlib
from typing import Any

from aispm.artifacts.context import Budget, LimitExceeded, Malformed

_IN_CHUNK = 256 * 1024


def _decompressor(kind: str) -> Any:
    if kind in ("gzip", "zlib"):
        return zlib.decompressobj(wbits=47)
    if kind == "bz2":
        return bz2.BZ2Decompressor()
    if kind in ("xz", "lzma"):
        return lzma.LZMADecompressor()
    if kind == "lz4":
        import lz4.frame

        return lz4.frame.LZ4FrameDecompressor()
    raise Malformed(f"unknown compression {kind}")


class DecompressingReader:
    """A read-only stream of the decompressed bytes of ``data``.

    Every byte produced counts against the per-file budget, and once more than 1 MiB came out
    the output may not exceed ``max_compression_ratio`` times the input consumed."""

    def __init__(self, data: Any, kind: str, budget: Budget) -> None:
        self._data = data
        self._kind = kind
        self._budget = budget
        self._pos = 0
        self._dec = _decompressor(kind)
        self._pending = b""
        self.produced = 0

    def _next_input(self) -> bytes | None:
        if self._pending:
            chunk, self._pending = self._pending, b""
            return chunk
        if self._pos >= len(self._data):
            return None
        chunk = bytes(self._data[self._pos : self._pos + _IN_CHUNK])
        self._pos += len(chunk)
        return chunk

    def _more(self, want: int) -> bytes:
        """Up to ``want`` more decompressed bytes (empty at the end)."""
        try:
            while True:
                dec = self._dec
                if dec.eof:
                    rest = (getattr(dec, "unused_data", b"") or b"") + self._pending
                    if self._kind == "gzip" and rest[:2] == b"\x1f\x8b":  # next gzip member
                        self._dec, self._pending = _decompressor(self._kind), rest
                        continue
                    return b""
                if self._kind in ("gzip", "zlib"):
                    feed = dec.unconsumed_tail or self._next_input()
                elif dec.needs_input:
                    feed = self._next_input()
                else:
                    feed = b""
                if feed is None:
                    return b""
                out = dec.decompress(feed, want)
                if out:
                    return bytes(out)
        except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError, RuntimeError) as exc:
            raise Malformed(f"{self._kind} stream: {exc}") from None

    def read(self, n: int = -1) -> bytes:
        want = n if n >= 0 else 1024 * 1024
        out = self._more(want)
        self.produced += len(out)
        self._budget.consume(len(out))
        self._budget.check_time()
        limits = self._budget.limits
        if self.produced > 1024 * 1024 and self.produced > limits.max_compression_ratio * max(self._pos, 1):
            raise LimitExceeded(
                f"decompressed {self.produced:,} bytes from {self._pos:,}: ratio above "
                f"{limits.max_compression_ratio:g} (decompression bomb guard)"
            )
        if self.produced > limits.max_member_bytes:
            raise LimitExceeded(f"decompressed content larger than {limits.max_member_bytes:,} bytes")
        return out

    def read_all(self, cap: int) -> bytes:
        parts: list[bytes] = []
        total = 0
        while total <= cap:
            chunk = self.read(1024 * 1024)
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)
            total += len(chunk)
        raise LimitExceeded(f"decompressed content larger than {cap:,} bytes")
