"""Decoding of the pickle opcode stream (protocols 0-5) from a bounded reader.

This is a decoder only: it turns bytes into ``(name, argument, offset)`` triples like
``pickletools.genops`` does, but every declared length is checked against what is left of the
input before anything is read, and long byte strings are skipped instead of kept in memory.
"""

from __future__ import annotations

import ast
import codecs
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from aispm.artifacts.context import LimitExceeded, Malformed

KEEP_BYTES = 64 * 1024 * 1024
"""Byte strings longer than this are skipped (only their first bytes are kept)."""
_LINE_MAX = 1024 * 1024
_CHUNK = 1024 * 1024


class ByteStream(Protocol):
    """Anything with ``read(n)``: a file, an mmap, a decompressing reader."""

    def read(self, n: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Skipped:
    """A byte string too long to keep: its length and first bytes."""

    length: int
    head: bytes


class OpReader:
    """Buffered, bounded reading of a byte stream; ``available`` is how many bytes may be read
    (``None`` when unknown, e.g. a decompressing stream)."""

    def __init__(self, stream: ByteStream, available: int | None) -> None:
        self._stream = stream
        self._available = available
        self._buf = b""
        self._pos = 0
        self.offset = 0

    def _fill(self, want: int) -> None:
        while len(self._buf) - self._pos < want:
            chunk = self._stream.read(max(_CHUNK, want))
            if not chunk:
                return
            self._buf = self._buf[self._pos :] + chunk
            self._pos = 0

    def _check(self, n: int) -> None:
        if n < 0:
            raise Malformed(f"negative length {n} at offset {self.offset}")
        if self._available is not None and self.offset + n > self._available:
            raise Malformed(f"truncated: {n:,} bytes declared at offset {self.offset}, file ends before")

    def at_end(self) -> bool:
        self._fill(1)
        return len(self._buf) - self._pos <= 0

    def peek(self, n: int) -> bytes:
        self._fill(n)
        return self._buf[self._pos : self._pos + n]

    def read(self, n: int) -> bytes:
        self._check(n)
        if n > _CHUNK * 4:
            parts = [self.read(_CHUNK) for _ in range(n // _CHUNK)]
            parts.append(self.read(n % _CHUNK))
            return b"".join(parts)
        self._fill(n)
        out = self._buf[self._pos : self._pos + n]
        if len(out) < n:
            raise Malformed(f"truncated at offset {self.offset + len(out)}")
        self._pos += n
        self.offset += n
        return out

    def skip(self, n: int) -> bytes:
        """Skip ``n`` bytes, returning the first 256 of them."""
        self._check(n)
        head = self.read(min(n, 256))
        left = n - len(head)
        while left:
            step = min(left, _CHUNK)
            self.read(step)
            left -= step
        return head

    def line(self) -> bytes:
        out = bytearray()
        while True:
            self._fill(1)
            if self._pos >= len(self._buf):
                raise Malformed(f"truncated line at offset {self.offset}")
            end = self._buf.find(b"\n", self._pos)
            stop = len(self._buf) if end < 0 else end
            out += self._buf[self._pos : stop]
            self.offset += stop - self._pos
            self._pos = stop
            if len(out) > _LINE_MAX:
                raise LimitExceeded(f"text opcode argument longer than {_LINE_MAX:,} bytes")
            if end >= 0:
                self._pos += 1
                self.offset += 1
                return bytes(out)


def _uint(r: OpReader, n: int) -> int:
    return int.from_bytes(r.read(n), "little")


def _bytes(r: OpReader, n: int) -> bytes | Skipped:
    if n > KEEP_BYTES:
        return Skipped(n, r.skip(n))
    return r.read(n)


def _text(r: OpReader, n: int) -> str | Skipped:
    raw = _bytes(r, n)
    if isinstance(raw, Skipped):
        return raw
    return raw.decode("utf-8", "surrogatepass")


def _latin1(raw: bytes | Skipped) -> str | Skipped:
    """Python 2 ``str`` opcodes, read as the unpickler does by default."""
    return raw if isinstance(raw, Skipped) else raw.decode("latin-1")


def _decimal(line: bytes, what: str) -> int | bool:
    text = line.decode("ascii", "replace").strip()
    if text == "00":
        return False
    if text == "01":
        return True
    try:
        return int(text.rstrip("L"))
    except ValueError:
        raise Malformed(f"bad {what} literal {text[:40]!r}") from None


def _quoted(line: bytes) -> bytes:
    text = line.decode("latin-1")
    if len(text) < 2 or text[0] != text[-1] or text[0] not in "'\"":
        raise Malformed(f"bad STRING literal {text[:40]!r}")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return codecs.escape_decode(text[1:-1].encode("latin-1"))[0]
    return value.encode("latin-1") if isinstance(value, str) else bytes(value)


_NO_ARG = {
    b"(": "MARK", b".": "STOP", b"0": "POP", b"1": "POP_MARK", b"2": "DUP", b"N": "NONE",
    b"Q": "BINPERSID", b"R": "REDUCE", b"a": "APPEND", b"b": "BUILD", b"d": "DICT",
    b"}": "EMPTY_DICT", b"e": "APPENDS", b"l": "LIST", b"]": "EMPTY_LIST", b"o": "OBJ",
    b"s": "SETITEM", b"t": "TUPLE", b")": "EMPTY_TUPLE", b"u": "SETITEMS", b"\x81": "NEWOBJ",
    b"\x85": "TUPLE1", b"\x86": "TUPLE2", b"\x87": "TUPLE3", b"\x88": "NEWTRUE", b"\x89": "NEWFALSE",
    b"\x8f": "EMPTY_SET", b"\x90": "ADDITEMS", b"\x91": "FROZENSET", b"\x92": "NEWOBJ_EX",
    b"\x93": "STACK_GLOBAL", b"\x94": "MEMOIZE", b"\x97": "NEXT_BUFFER", b"\x98": "READONLY_BUFFER",
}  # fmt: skip


def _arg(code: bytes, r: OpReader) -> tuple[str, object]:
    """The name and decoded argument of the opcode ``code`` (whose byte was already read)."""
    if code in _NO_ARG:
        return _NO_ARG[code], None
    if code == b"\x80":
        return "PROTO", _uint(r, 1)
    if code == b"\x95":
        return "FRAME", _uint(r, 8)
    if code == b"K":
        return "BININT1", _uint(r, 1)
    if code == b"M":
        return "BININT2", _uint(r, 2)
    if code == b"J":
        return "BININT", int.from_bytes(r.read(4), "little", signed=True)
    if code in (b"I", b"L"):
        return ("INT" if code == b"I" else "LONG"), _decimal(r.line(), "integer")
    if code == b"F":
        try:
            return "FLOAT", float(r.line())
        except ValueError:
            raise Malformed(f"bad FLOAT literal at offset {r.offset}") from None
    if code == b"G":
        return "BINFLOAT", struct.unpack(">d", r.read(8))[0]
    if code in (b"\x8a", b"\x8b"):
        n = _uint(r, 1) if code == b"\x8a" else int.from_bytes(r.read(4), "little", signed=True)
        if n > 1024 * 1024:
            raise LimitExceeded(f"LONG of {n:,} bytes")
        return "LONG1" if code == b"\x8a" else "LONG4", int.from_bytes(r.read(n), "little", signed=True)
    if code == b"S":
        return "STRING", _quoted(r.line()).decode("latin-1")
    if code == b"T":
        return "BINSTRING", _latin1(_bytes(r, int.from_bytes(r.read(4), "little", signed=True)))
    if code == b"U":
        return "SHORT_BINSTRING", _latin1(_bytes(r, _uint(r, 1)))
    if code == b"V":
        return "UNICODE", r.line().decode("raw-unicode-escape", "replace")
    if code == b"X":
        return "BINUNICODE", _text(r, _uint(r, 4))
    if code == b"\x8c":
        return "SHORT_BINUNICODE", _text(r, _uint(r, 1))
    if code == b"\x8d":
        return "BINUNICODE8", _text(r, _uint(r, 8))
    if code == b"B":
        return "BINBYTES", _bytes(r, _uint(r, 4))
    if code == b"C":
        return "SHORT_BINBYTES", _bytes(r, _uint(r, 1))
    if code == b"\x8e":
        return "BINBYTES8", _bytes(r, _uint(r, 8))
    if code == b"\x96":
        return "BYTEARRAY8", _bytes(r, _uint(r, 8))
    if code in (b"c", b"i"):
        module = r.line().decode("utf-8", "replace")
        name = r.line().decode("utf-8", "replace")
        return ("GLOBAL" if code == b"c" else "INST"), (module, name)
    if code == b"P":
        return "PERSID", r.line().decode("ascii", "replace")
    if code in (b"g", b"p"):
        return ("GET" if code == b"g" else "PUT"), _decimal(r.line(), "memo index")
    if code in (b"h", b"q"):
        return ("BINGET" if code == b"h" else "BINPUT"), _uint(r, 1)
    if code in (b"j", b"r"):
        return ("LONG_BINGET" if code == b"j" else "LONG_BINPUT"), _uint(r, 4)
    if code in (b"\x82", b"\x83", b"\x84"):
        size = {b"\x82": 1, b"\x83": 2, b"\x84": 4}[code]
        return "EXT" + str(size), _uint(r, size)
    raise Malformed(f"unknown opcode 0x{code.hex()} at offset {r.offset - 1}")


def genops(r: OpReader) -> Iterator[tuple[str, object, int]]:
    """Opcodes of one pickle, up to and including STOP."""
    while True:
        offset = r.offset
        code = r.read(1)
        name, arg = _arg(code, r)
        yield name, arg, offset
        if name == "STOP":
            return
