"""Decoding of the pickle opcode stream (protocols 0-5) from a bounded reader.

This is a decoder only: :data:`OPCODES` gives each opcode byte its name and the decoder of its
argument (what ``pickletools.genops`` reads), but every declared length is checked against what
is left of the input before anything is read, and long byte strings are skipped instead of kept
in memory.  :meth:`aispm.artifacts.pickle_vm.Machine.run` reads the stream with them.
"""

from __future__ import annotations

import ast
import codecs
import struct
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from aispm.artifacts.context import LimitExceeded, Malformed

_T = TypeVar("_T")

KEEP_BYTES = 64 * 1024 * 1024
"""Byte strings longer than this are skipped (only their first bytes are kept)."""
_LINE_MAX = 1024 * 1024
_CHUNK = 1024 * 1024


class ByteStream(Protocol):
    """Anything with ``read(n)``: a file, an mmap, a decompressing reader."""

    def read(self, n: int = -1, /) -> bytes: ...


class Value:
    """Base of the pickle machine's values: plain slotted classes rather than dataclasses, because
    they are made when a scan first meets a pickle and on Python 3.11 each dataclass costs about a
    millisecond to create (its methods are generated and compiled) — start-up time of every
    ``aispm model scan``.  ``repr`` shows the fields, like a dataclass's."""

    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class FrozenValue(Value):
    """A value compared and hashed by its fields; never changed after it is made."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrozenValue) or type(other) is not type(self):
            return False
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((type(self), self._fields()))


class Skipped(FrozenValue):
    """A byte string too long to keep: its length and first bytes."""

    __slots__ = ("head", "length")

    def __init__(self, length: int, head: bytes) -> None:
        self.length = length
        self.head = head


class OpReader:
    """Buffered, bounded reading of a byte stream; ``available`` is how many bytes may be read
    (``None`` when unknown, e.g. a decompressing stream)."""

    def __init__(self, stream: ByteStream, available: int | None) -> None:
        self._stream = stream
        self._available = available
        self._buf = b""
        self._pos = 0
        self.offset = 0
        self._end = 0
        """Where the reading of ``_buf`` must stop: its end, or before where ``available`` ends
        (``_pos`` and ``offset`` move together, so it changes only when ``_buf`` does)."""

    def _fill(self, want: int) -> None:
        while len(self._buf) - self._pos < want:
            chunk = self._stream.read(max(_CHUNK, want))
            if not chunk:
                break
            self._buf = self._buf[self._pos :] + chunk
            self._pos = 0
            end = len(self._buf)
            self._end = end if self._available is None else min(end, self._available - self.offset)

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
        pos = self._pos
        if pos <= pos + n <= self._end:  # already buffered and within bounds (most reads)
            self._pos = pos + n
            self.offset += n
            return self._buf[pos : pos + n]
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


def _u1(r: OpReader) -> int:
    return int.from_bytes(r.read(1), "little")


def _u2(r: OpReader) -> int:
    return int.from_bytes(r.read(2), "little")


def _u4(r: OpReader) -> int:
    return int.from_bytes(r.read(4), "little")


def _u8(r: OpReader) -> int:
    return int.from_bytes(r.read(8), "little")


def _i4(r: OpReader) -> int:
    return int.from_bytes(r.read(4), "little", signed=True)


def _int_line(r: OpReader) -> int | bool:
    return _decimal(r.line(), "integer")


def _float_line(r: OpReader) -> float:
    try:
        return float(r.line())
    except ValueError:
        raise Malformed(f"bad FLOAT literal at offset {r.offset}") from None


def _binfloat(r: OpReader) -> float:
    value: float = struct.unpack(">d", r.read(8))[0]
    return value


def _long(r: OpReader, n: int) -> int:
    if n > 1024 * 1024:
        raise LimitExceeded(f"LONG of {n:,} bytes")
    return int.from_bytes(r.read(n), "little", signed=True)


def _sized(
    length: Callable[[OpReader], int], body: Callable[[OpReader, int], _T]
) -> Callable[[OpReader], _T]:
    """The decoder of an argument of ``length(r)`` bytes read by ``body(r, n)``."""
    return lambda r: body(r, length(r))


def _bytes_as_latin1(r: OpReader, n: int) -> str | Skipped:
    return _latin1(_bytes(r, n))


def _string(r: OpReader) -> str:
    return _quoted(r.line()).decode("latin-1")


def _unicode_line(r: OpReader) -> str:
    return r.line().decode("raw-unicode-escape", "replace")


def _global(r: OpReader) -> tuple[str, str]:
    module = r.line().decode("utf-8", "replace")
    name = r.line().decode("utf-8", "replace")
    return module, name


def _persid(r: OpReader) -> str:
    return r.line().decode("ascii", "replace")


def _memo_line(r: OpReader) -> int | bool:
    return _decimal(r.line(), "memo index")


OPCODES: dict[bytes, tuple[str, Callable[[OpReader], object] | None]] = {
    # no argument
    b"(": ("MARK", None), b".": ("STOP", None), b"0": ("POP", None), b"1": ("POP_MARK", None),
    b"2": ("DUP", None), b"N": ("NONE", None), b"Q": ("BINPERSID", None), b"R": ("REDUCE", None),
    b"a": ("APPEND", None), b"b": ("BUILD", None), b"d": ("DICT", None), b"}": ("EMPTY_DICT", None),
    b"e": ("APPENDS", None), b"l": ("LIST", None), b"]": ("EMPTY_LIST", None), b"o": ("OBJ", None),
    b"s": ("SETITEM", None), b"t": ("TUPLE", None), b")": ("EMPTY_TUPLE", None),
    b"u": ("SETITEMS", None), b"\x81": ("NEWOBJ", None), b"\x85": ("TUPLE1", None),
    b"\x86": ("TUPLE2", None), b"\x87": ("TUPLE3", None), b"\x88": ("NEWTRUE", None),
    b"\x89": ("NEWFALSE", None), b"\x8f": ("EMPTY_SET", None), b"\x90": ("ADDITEMS", None),
    b"\x91": ("FROZENSET", None), b"\x92": ("NEWOBJ_EX", None), b"\x93": ("STACK_GLOBAL", None),
    b"\x94": ("MEMOIZE", None), b"\x97": ("NEXT_BUFFER", None), b"\x98": ("READONLY_BUFFER", None),
    # unsigned little-endian integers
    b"\x80": ("PROTO", _u1), b"\x95": ("FRAME", _u8), b"K": ("BININT1", _u1), b"M": ("BININT2", _u2),
    b"h": ("BINGET", _u1), b"q": ("BINPUT", _u1), b"j": ("LONG_BINGET", _u4), b"r": ("LONG_BINPUT", _u4),
    b"\x82": ("EXT1", _u1), b"\x83": ("EXT2", _u2), b"\x84": ("EXT4", _u4),
    # numbers
    b"J": ("BININT", _i4), b"I": ("INT", _int_line), b"L": ("LONG", _int_line),
    b"F": ("FLOAT", _float_line), b"G": ("BINFLOAT", _binfloat), b"\x8a": ("LONG1", _sized(_u1, _long)),
    b"\x8b": ("LONG4", _sized(_i4, _long)),
    # strings and bytes
    b"S": ("STRING", _string), b"V": ("UNICODE", _unicode_line),
    b"T": ("BINSTRING", _sized(_i4, _bytes_as_latin1)),
    b"U": ("SHORT_BINSTRING", _sized(_u1, _bytes_as_latin1)),
    b"X": ("BINUNICODE", _sized(_u4, _text)), b"\x8c": ("SHORT_BINUNICODE", _sized(_u1, _text)),
    b"\x8d": ("BINUNICODE8", _sized(_u8, _text)), b"B": ("BINBYTES", _sized(_u4, _bytes)),
    b"C": ("SHORT_BINBYTES", _sized(_u1, _bytes)), b"\x8e": ("BINBYTES8", _sized(_u8, _bytes)),
    b"\x96": ("BYTEARRAY8", _sized(_u8, _bytes)),
    # names, persistent ids, memo
    b"c": ("GLOBAL", _global), b"i": ("INST", _global), b"P": ("PERSID", _persid),
    b"g": ("GET", _memo_line), b"p": ("PUT", _memo_line),
}  # fmt: skip
"""Each opcode byte: its name and the decoder of its argument (None: the opcode has none)."""
